"""Exports against the real broker and database: the chats come from inbox events published on the
bus; the export holds exactly the chats matching its filters in its creator's scope, every column
right; its file is its creator's only, until it expires; a job whose process died is taken over."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from export.exports.rules import CHAT_DELETED, INTERRUPTED
from export.exports.schemas import ExportJob, ExportRequest
from export.exports.use_cases import ExportJobs
from livechat_dev.testing import eventually
from livechat_shared.auth import Principal, Role
from livechat_shared.contracts import ChatDeletedV1, Envelope
from livechat_shared.ids import new_id, utcnow

from .conftest import T0, WS, Start, World


async def seed(world: World) -> dict[str, str]:
    """Four chats, announced as the inbox would:

    - ``a``: team t-1, Abe's, resolved an hour after it started, tagged vip, two custom fields, rated;
      the person wrote, the AI answered 2 s later, then Abe;
    - ``b``: team t-1, open, untagged, custom fields of its own (one no other chat has);
    - ``c``: team t-2, nobody's, resolved, tagged vip, a message in Spanish;
    - ``d``: team t-1, resolved, tagged other.
    """
    ids = {name: new_id() for name in "abcd"}
    a, b, c, d = ids["a"], ids["b"], ids["c"], ids["d"]
    common: dict[str, Any] = {"person": {"id": "p-ann", "name": "Ann Smith"}}
    await world.chat(a, 1, **common, description="Refund, please", tags=["vip"], assignee_id="u-agent")
    await world.message(a, "person", "I want my money back", T0 + timedelta(seconds=10))
    await world.message(a, "ai", "Let me get someone", T0 + timedelta(seconds=12))
    await world.message(a, "agent", "Done!", T0 + timedelta(seconds=70), by={"id": "u-agent", "name": "Abe"})
    await world.message(a, "person", "Thanks", T0 + timedelta(seconds=90))
    await world.chat(
        a,
        2,
        **common,
        description="Refund, please",
        status="resolved",
        tags=["vip"],
        assignee_id="u-agent",
        custom_fields={"priority": "high", "amount": 3},
        rating={"score": 5, "comment": "Great, thanks", "at": "2025-03-14T10:30:00Z"},
        last_message_at=T0 + timedelta(seconds=90),
        updated_at=T0 + timedelta(hours=1),
    )
    await world.chat(b, 1, custom_fields={"priority": "low", "size": "XL"}, created_at=T0 + timedelta(days=1))
    await world.chat(
        c, 4, status="resolved", team_ids=["t-2"], tags=["vip"], person={"id": "p-c", "name": "José"}
    )
    await world.message(c, "person", "Mi reembolso está atrasado", T0 + timedelta(seconds=5))
    await world.chat(d, 2, status="resolved", tags=["other"])
    await world.transcript_json(a, version=2, messages=4)
    for chat in (b, d):
        await world.transcript_json(chat)
    await world.transcript_json(c, messages=1)
    return ids


def rows_of(text: str) -> dict[str, dict[str, str]]:
    return {row["id"]: row for row in csv.DictReader(io.StringIO(text))}


async def test_a_csv_export_has_exactly_the_matching_chats_and_every_column(world: World) -> None:
    ids = await seed(world)
    filters = {"status": ["resolved"], "tag": "vip"}
    export_id = await world.start_export("admin", "csv", filters)
    done = await world.finished("admin", export_id)
    assert (done["rows"], done["total"], done["progress"], done["format"]) == (2, 2, 1.0, "csv")
    assert done["expires_at"] is not None and done["filters"]["tag"] == ["vip"]
    download = await world.client.get(f"/v1/exports/{export_id}/download", headers=world.auth("admin"))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == f'attachment; filename="chats-export-{export_id}.csv"'

    header = next(csv.reader(io.StringIO(download.text)))
    assert [h for h in header if h.startswith("cf.")] == ["cf.amount", "cf.priority"]  # not b's "size"
    rows = rows_of(download.text)
    assert set(rows) == {ids["a"], ids["c"]}
    assert rows[ids["a"]] == {
        "id": ids["a"],
        "app_id": "app-1",
        "app_name": "Website",
        "channel": "webchat",
        "teamspace_id": "ts-1",
        "status": "resolved",
        "mode": "live",
        "description": "Refund, please",
        "person_id": "p-ann",
        "person_name": "Ann Smith",
        "created_at": "2025-03-14T09:00:00Z",
        "updated_at": "2025-03-14T10:00:00Z",
        "last_message_at": "2025-03-14T09:01:30Z",
        "assignee_id": "u-agent",
        "assignee_name": "Abe",  # from the directory copy
        "team_ids": "t-1",
        "tags": "vip",
        "cf.amount": "3",
        "cf.priority": "high",
        "rating_score": "5",
        "rating_comment": "Great, thanks",
        "rating_at": "2025-03-14T10:30:00Z",
        "messages_total": "4",
        "messages_person": "2",
        "messages_agents": "1",
        "messages_ai": "1",
        "first_response_seconds": "2",
        "resolution_seconds": "3600",
    }
    c = rows[ids["c"]]
    assert (c["team_ids"], c["assignee_id"], c["assignee_name"], c["cf.priority"], c["rating_score"]) == (
        "t-2",
        "",
        "",
        "",
        "",
    )
    assert (c["messages_total"], c["first_response_seconds"], c["resolution_seconds"]) == ("1", "", "240")

    # the supervisor of t-1 gets the same filters applied to their teams' chats only
    _, text = await world.export("supervisor", "csv", filters)
    assert set(rows_of(text)) == {ids["a"]}
    # "none", OR within a field and AND across fields, as the table
    _, text = await world.export(
        "admin", "csv", {"tag": ["none", "other"], "created_from": "2025-03-14T12:00:00Z"}
    )
    assert set(rows_of(text)) == {ids["b"]}
    _, text = await world.export("admin", "csv", {"cf.priority": ["none"], "team": ["t-1"]})
    assert set(rows_of(text)) == {ids["d"]}


async def test_a_jsonl_export_has_each_chat_with_its_transcript(world: World) -> None:
    ids = await seed(world)
    _, text = await world.export("admin", "jsonl", {"q": "ESTA atras"})  # accents, case, word prefixes
    lines = text.splitlines()
    assert len(lines) == 1
    line = json.loads(lines[0])
    assert line["chat"]["id"] == ids["c"] and line["chat"]["person"]["name"] == "José"
    assert [m["text"] for m in line["messages"]] == ["Mi reembolso está atrasado"]

    export_id, text = await world.export("admin", "jsonl", {"q": "ann refu"})  # name and description
    download = await world.client.get(f"/v1/exports/{export_id}/download", headers=world.auth("admin"))
    assert download.headers["content-type"].startswith("application/x-ndjson")
    (line,) = [json.loads(x) for x in text.splitlines()]
    assert line["chat"]["id"] == ids["a"] and line["chat"]["version"] == 2
    assert [(m["seq"], m["author"]["type"], m["text"]) for m in line["messages"]] == [
        (1, "person", "I want my money back"),
        (2, "ai", "Let me get someone"),
        (3, "agent", "Done!"),
        (4, "person", "Thanks"),
    ]
    _, text = await world.export(
        "admin", "jsonl", {"q": ids["d"].lower()}
    )  # the chat id (made in the same ms as the others: their prefix)
    assert [json.loads(x)["chat"]["id"] for x in text.splitlines()] == [ids["d"]]


async def test_who_may_export_and_whose_chats_they_get(world: World) -> None:
    ids = await seed(world)
    refused = await world.client.post("/v1/exports", json={"format": "csv"}, headers=world.auth("agent"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"

    # an agent granted `export` exports their teams' chats nobody holds, and nothing of other teams
    export_id, text = await world.export("granted", "csv")
    assert set(rows_of(text)) == {ids["c"]}
    # the foreign admin's workspace holds none of these chats
    _, text = await world.export("foreign", "csv", {"status": ["resolved"]})
    assert rows_of(text) == {}

    # the export and its file are its creator's only
    for who in ("supervisor", "admin", "foreign"):
        for path in (f"/v1/exports/{export_id}", f"/v1/exports/{export_id}/download"):
            response = await world.client.get(path, headers=world.auth(who))
            assert response.status_code == 404, (who, path, response.text)
    assert (
        await world.client.get(f"/v1/exports/{export_id}", headers=world.auth("agent"))
    ).status_code == 403

    # each lists their own exports, newest first, and never anyone else's
    second_id, _ = await world.export("granted", "jsonl")
    listed = await world.client.get("/v1/exports?page_size=1", headers=world.auth("granted"))
    assert listed.status_code == 200, listed.text
    assert (listed.json()["total"], [e["id"] for e in listed.json()["items"]]) == (2, [second_id])
    mine = (await world.client.get("/v1/exports", headers=world.auth("granted"))).json()["items"]
    assert [(e["id"], e["status"]) for e in mine] == [(second_id, "done"), (export_id, "done")]
    for who in ("supervisor", "admin", "foreign"):
        others = await world.client.get("/v1/exports", headers=world.auth(who))
        assert export_id not in {e["id"] for e in others.json()["items"]}, who
    assert (await world.client.get("/v1/exports", headers=world.auth("agent"))).status_code == 403

    for body, code in (
        ({"format": "csv", "filters": {"colour": ["red"]}}, "validation_failed"),
        ({"format": "xlsx"}, "validation_failed"),
    ):
        response = await world.client.post("/v1/exports", json=body, headers=world.auth("admin"))
        assert (response.status_code, response.json()["error"]["code"]) == (422, code)


async def test_the_file_is_refused_once_it_expired_and_then_deleted(start: Start) -> None:
    async with start(export_ttl_seconds=1, export_sweep_seconds=0.2) as world:
        chat = new_id()
        await world.chat(chat, 1)
        await world.transcript_json(chat)
        export_id, text = await world.export("admin", "csv")
        assert set(rows_of(text)) == {chat}

        async def refused() -> bool:
            response = await world.client.get(
                f"/v1/exports/{export_id}/download", headers=world.auth("admin")
            )
            return response.status_code == 410

        await eventually(refused, within=10)
        state = (await world.client.get(f"/v1/exports/{export_id}", headers=world.auth("admin"))).json()
        assert state["status"] == "expired"
        files = world.app.state.runtime.mongo.db["export_files.files"]

        async def deleted() -> bool:
            return await files.count_documents({"metadata.export_id": export_id}) == 0

        await eventually(deleted, within=10)


async def test_a_job_left_running_by_a_dead_process_is_taken_over_or_failed(world: World) -> None:
    chat = new_id()
    await world.chat(chat, 1)
    await world.transcript_json(chat)
    db = world.app.state.runtime.mongo.db
    # a process died while writing: a part of its file is stored, its lease ran out
    dead_file = f"dead-{new_id()}"
    stream = world.app.state.export_jobs.files.create(dead_file, "dead.csv", {})
    await stream.write(b"x" * 300_000)  # more than a chunk: stored before the process "died"
    assert await db["export_files.chunks"].count_documents({"files_id": dead_file}) == 1
    now = utcnow()

    def job(attempts: int, lease_until: Any, **fields: Any) -> dict[str, Any]:
        return ExportJob.model_validate(
            {
                "_id": new_id(),
                "workspace_id": "ws-exp",
                "owner_id": "u-admin",
                "role": "admin",
                "format": "csv",
                "filters": {},
                "status": "running",
                "rows": 7,
                "total": 10,
                "created_at": now,
                "claim": "the-dead-process",
                "lease_until": lease_until,
                "attempts": attempts,
                **fields,
            }
        ).to_doc()

    taken_over = job(1, now - timedelta(seconds=30), file_id=dead_file)
    given_up = job(world.settings.export_max_attempts, now - timedelta(seconds=30))
    alive = job(1, now + timedelta(hours=1), claim="a-live-process")
    await db["export_jobs"].insert_many([taken_over, given_up, alive])
    world.app.state.export_worker.wake()

    state = await world.finished("admin", taken_over["_id"])
    assert (state["rows"], state["total"]) == (1, 1)
    download = await world.client.get(
        f"/v1/exports/{taken_over['_id']}/download", headers=world.auth("admin")
    )
    assert set(rows_of(download.text)) == {chat}
    assert await db["export_files.chunks"].count_documents({"files_id": dead_file}) == 0

    async def failed() -> dict[str, Any] | None:
        path = f"/v1/exports/{given_up['_id']}"
        body: dict[str, Any] = (await world.client.get(path, headers=world.auth("admin"))).json()
        return body if body["status"] == "failed" else None

    assert (await eventually(failed))["error"] == INTERRUPTED
    still = await db["export_jobs"].find_one({"_id": alive["_id"]})
    assert still is not None and (still["status"], still["claim"]) == ("running", "a-live-process")


async def test_a_file_is_found_by_any_of_its_chats(world: World) -> None:
    rows = world.app.state.export_jobs.rows
    chats = [new_id() for _ in range(7)]
    recorder = rows.recorder("ws-exp", "exp-found", size=2)  # a document per two ids of a bucket
    await recorder.add(chats[:4])
    await recorder.add(chats[4:])
    await recorder.close()
    db = world.app.state.runtime.mongo.db
    stored = await db["export_rows"].find({"export_id": "exp-found"}).to_list()
    assert sorted(c for doc in stored for c in doc["chat_ids"]) == sorted(chats)
    assert all(len(doc["chat_ids"]) <= 2 for doc in stored)
    for chat in chats:
        assert await rows.exports_with("ws-exp", chat) == ["exp-found"]
        assert await rows.exports_with("ws-elsewhere", chat) == []
    assert await rows.holds_any("exp-found", ["nope", chats[5]])
    assert not await rows.holds_any("exp-found", ["nope"]) and not await rows.holds_any("exp-found", [])
    await rows.forget("exp-found")
    assert await rows.exports_with("ws-exp", chats[0]) == []


async def test_a_chat_deleted_while_its_export_runs_takes_the_file_with_it(world: World) -> None:
    """The chat is read, then deleted before the export recorded it (the deletion finds no file
    holding it): the export sees the deletion when it ends, and its file goes."""
    state = world.app.state
    chat, kept = new_id(), new_id()
    await world.chat(chat, 1, assignee_id="u-agent")
    await world.chat(kept, 1)
    await world.transcript_json(chat)
    await world.transcript_json(kept)
    await state.export_worker.stop()  # this test runs the job itself

    class DeletingStaff:
        """Looking the assignee's name up (after the chats were read) deletes the chat."""

        async def user(self, user_id: str) -> None:
            event = ChatDeletedV1(chat_version=2, teamspace_id="ts-1", team_ids=["t-1"], by="u-admin")
            await state.projection.chat_deleted(Envelope.wrap(event, workspace_id=WS, chat_id=chat), event)

    jobs: ExportJobs = state.export_jobs
    racing = ExportJobs(jobs.jobs, jobs.files, jobs.rows, jobs.read, DeletingStaff(), jobs.config)
    admin = Principal(user_id="u-admin", workspace_id=WS, role=Role.ADMIN)
    created = await state.exports.create(admin, ExportRequest(format="csv"))
    assert await racing.run_next()
    job = await jobs.jobs.get(WS, created.id)
    assert job is not None and (job.status, job.error) == ("deleted", CHAT_DELETED)
    db = state.runtime.mongo.db
    assert await db["export_files.files"].count_documents({"metadata.export_id": created.id}) == 0
    assert await db["export_rows"].count_documents({"export_id": created.id}) == 0

    # without a deletion the same job keeps its file
    again = await state.exports.create(admin, ExportRequest(format="csv"))
    assert await jobs.run_next()
    done = await jobs.jobs.get(WS, again.id)
    assert done is not None and (done.status, done.rows, done.total) == ("done", 1, 1)


async def test_a_jsonl_export_reads_a_few_chats_messages_at_a_time_and_a_long_chat_alone(
    world: World,
) -> None:
    state = world.app.state
    counts = {"none": 0, "two": 2, "long": 5, "one": 1}
    ids = {name: new_id() for name in counts}
    for name, chat in ids.items():
        await world.chat(chat, 1, description=f"small batches {name}")
        for n in range(counts[name]):
            await world.message(
                chat, "person" if n % 2 == 0 else "agent", f"{name} {n}", T0 + timedelta(seconds=n)
            )
    for name, chat in ids.items():
        await world.transcript_json(chat, messages=counts[name])
    await state.export_worker.stop()  # this test runs the job itself, with small batches
    jobs: ExportJobs = state.export_jobs
    config = replace(jobs.config, batch_chats=3, transcript_chats=2, transcript_messages=3, flush_bytes=10)
    small = ExportJobs(jobs.jobs, jobs.files, jobs.rows, jobs.read, jobs.staff, config)
    admin = Principal(user_id="u-admin", workspace_id=WS, role=Role.ADMIN)
    created = await state.exports.create(admin, ExportRequest(format="jsonl", filters={"q": "small batches"}))
    assert await small.run_next()
    download = await world.client.get(f"/v1/exports/{created.id}/download", headers=world.auth("admin"))
    assert download.status_code == 200, download.text
    lines = [json.loads(line) for line in download.text.splitlines()]
    got = {line["chat"]["id"]: [m["text"] for m in line["messages"]] for line in lines}
    assert got == {chat: [f"{name} {n}" for n in range(counts[name])] for name, chat in ids.items()}
    for line in lines:  # each line is the chat's JSON transcript
        transcript = await world.transcript_json(line["chat"]["id"])
        assert line == transcript
