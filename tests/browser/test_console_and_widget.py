"""The agent console and the Webchat widget in a real browser, against the real stack.

A person writes in the widget on a demo host page; the chat appears live in agent Ana's list; she
opens it, takes it over from the AI and replies, and the widget shows the reply. Bo, an agent of
another team, never sees it. Ana adds a note, a tag and a custom field value and transfers the chat
to Carl, and it leaves her list live. Carl closes it; the widget shows the rating request, the
person gives 4 stars, and the console shows the rating.

Everything in the browser goes through the console and the widget (accessible locators only);
the set-up a workspace admin would make in Settings (a second team, the agents, a tag and a custom
field) is made through the same public API. The test waits on conditions, never on time."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from livechat_dev.testing import eventually
from livechat_dev.web import WebServer
from livechat_shared.ids import new_id
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Error, Page, expect

from ..e2e.conftest import Stack, auth, new_user

TIMEOUT_MS = 30_000
"""Each wait's limit: a shared two-core machine runs the services, the server and the browser."""
THANKS = "Thank you for your feedback!"  # the AI agent's default answer to a rating

expect.set_options(timeout=TIMEOUT_MS)


async def created(http: httpx.AsyncClient, url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as the admin until the service's copy of the directory knows them; the created object."""

    async def post() -> dict[str, Any] | None:
        answer = await http.post(url, headers=auth(token), json=body)
        if answer.status_code == 401:
            return None
        assert answer.status_code == 201, answer.text
        made: dict[str, Any] = answer.json()
        return made

    made = await eventually(post, within=30)
    assert made is not None
    return made


async def open_page(browser: Browser, contexts: list[BrowserContext], url: str) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    contexts.append(context)
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    # The browser's errors, printed if the test fails (pytest shows a failed test's output).

    def on_error(error: Error) -> None:
        print(f"[{url}] page error: {error.stack or error}")

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            print(f"[{url}] console.{message.type}: {message.text}")

    page.on("pageerror", on_error)
    page.on("console", on_console)
    await page.goto(url)
    return page


async def sign_in(page: Page, token: str) -> None:
    await page.get_by_label("Access token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("table", name="Chats")).to_be_visible()
    await expect(page.get_by_role("status", name=re.compile(r"^Connection: Live"))).to_be_visible()


def chat_rows(page: Page) -> Any:
    """The table's rows of chats (each has a link to its chat; the header row has none)."""
    return page.get_by_role("table", name="Chats").get_by_role("row").filter(has=page.get_by_role("link"))


@pytest.mark.timeout(600)  # with its fixtures: a build of web/ when its sources changed, the stack
async def test_a_chat_from_the_widget_through_the_console_to_the_rating(
    browser: Browser, web: WebServer, stack: Stack, screenshots: Path
) -> None:
    suffix = new_id()[-6:]
    workspace: dict[str, Any] = stack.cli("bootstrap", "--workspace", f"Browser {suffix}")
    admin, inbox = workspace["token"], stack.url("inbox")
    ana, carl, tag = f"Ana {suffix}", f"Carl {suffix}", f"VIP {suffix}"
    async with httpx.AsyncClient(timeout=20) as http:
        billing = await created(
            http,
            f"{stack.url('assignment')}/v1/teams",
            admin,
            {"teamspace_id": workspace["teamspace_id"], "name": f"Billing {suffix}"},
        )
        support = [workspace["team_id"]]
        _, ana_token = await new_user(http, stack, workspace, "agent", name=ana, team_ids=support)
        _, bo_token = await new_user(
            http, stack, workspace, "agent", name=f"Bo {suffix}", team_ids=[billing["id"]]
        )
        _, carl_token = await new_user(http, stack, workspace, "agent", name=carl, team_ids=support)
        space = {"teamspace_id": workspace["teamspace_id"]}
        await created(http, f"{inbox}/v1/tags", admin, space | {"name": tag})
        field = {"key": "order", "name": "Order", "type": "text"}
        await created(http, f"{inbox}/v1/custom-fields", admin, space | field)

        contexts: list[BrowserContext] = []
        try:
            # Ana and Bo sign in to the console; their chat tables are empty.
            agent = await open_page(browser, contexts, f"{web.url}/")
            await expect(page_heading(agent, "Sign in to the Livechat console")).to_be_visible()
            await agent.screenshot(path=screenshots / "01-sign-in.png")
            await sign_in(agent, ana_token)
            other = await open_page(browser, contexts, f"{web.url}/")
            await sign_in(other, bo_token)
            for page in (agent, other):
                await expect(page.get_by_text("No chats match")).to_be_visible()

            # A person writes in the widget, embedded in a demo site with one script tag.
            person = await open_page(browser, contexts, web.demo_url(workspace["app_id"]))
            await person.get_by_role("button", name="Open chat").click()
            asked = f"Hello, my parcel {suffix} has not arrived yet. Where is it?"
            await person.get_by_label("Message", exact=True).fill(asked)
            await person.get_by_role("button", name="Send", exact=True).click()
            conversation = person.get_by_role("log", name="Conversation")
            await expect(conversation).to_contain_text(asked)

            # The chat appears live in Ana's list (the AI holds it); she opens it.
            row = chat_rows(agent)
            await expect(row).to_have_count(1)
            await expect(row).to_contain_text("AI chat")
            await agent.screenshot(path=screenshots / "02-chat-table.png")
            await row.get_by_role("link").click()
            await expect(agent).to_have_url(re.compile(r"#/chats/[^/?]+$"))
            chat_id = agent.url.rsplit("/", 1)[1]
            messages = agent.get_by_role("list", name="Messages", exact=True)
            await expect(messages).to_contain_text(asked)

            # Takeover & Send: Ana holds the chat now, and the widget shows her reply.
            reply = f"Hi, I am Ana. Let me look up parcel {suffix} for you."
            await agent.get_by_label("Reply message").fill(reply)
            await agent.get_by_role("button", name="Takeover & Send").click()
            await expect(messages).to_contain_text(reply)
            details = agent.get_by_role("complementary", name="Chat details")
            await expect(details).to_contain_text(ana)
            await expect(conversation).to_contain_text(reply)
            await person.screenshot(path=screenshots / "03-widget-reply.png")

            # Bo, of another team, sees nothing: not in his list, not by its address.
            await expect(other.get_by_text("No chats match")).to_be_visible()
            await expect(chat_rows(other)).to_have_count(0)
            await other.goto(f"{web.url}/#/chats/{chat_id}")
            await expect(other.get_by_role("alert")).to_contain_text("does not exist or is not yours to see")
            refused = await http.get(f"{inbox}/v1/chats/{chat_id}", headers=auth(bo_token))
            assert refused.status_code == 404, refused.text

            # A note, a tag and a custom field value.
            note = f"Parcel {suffix} was sent on Monday; ask the carrier."
            await agent.get_by_role("button", name="Note", exact=True).click()
            await agent.get_by_label("Note text").fill(note)
            await agent.get_by_role("button", name="Add note").click()
            await expect(agent.get_by_role("listitem", name=f"Note by {ana}")).to_contain_text(note)
            await agent.get_by_label("Add tag").select_option(label=tag)
            await agent.get_by_role("button", name="Add", exact=True).click()
            await expect(details.get_by_role("list", name="Tags of this chat")).to_contain_text(tag)
            await details.get_by_label("Order", exact=True).fill(f"PO-{suffix}")
            await details.get_by_role("button", name="Save custom fields").click()
            await expect(details.get_by_text("Custom fields saved.")).to_be_visible()
            await agent.screenshot(path=screenshots / "04-chat-view.png")

            # Transferred to Carl: the chat leaves Ana's list, live.
            await details.get_by_label("Transfer to").select_option(label=carl)
            await details.get_by_role("button", name="Transfer", exact=True).click()
            await expect(agent.get_by_text("This chat left your list")).to_be_visible()
            await agent.get_by_role("link", name="← Back to chats").click()
            await expect(agent.get_by_role("table", name="Chats")).to_be_visible()
            await expect(chat_rows(agent)).to_have_count(0)

            # Carl, who holds it now, closes it; the widget asks the person for a rating: 4 stars.
            holder = await open_page(browser, contexts, f"{web.url}/")
            await sign_in(holder, carl_token)
            await expect(chat_rows(holder)).to_have_count(1)
            await chat_rows(holder).get_by_role("link").click()
            carl_details = holder.get_by_role("complementary", name="Chat details")
            await expect(carl_details.get_by_label("Order", exact=True)).to_have_value(f"PO-{suffix}")
            await carl_details.get_by_role("button", name="Close chat").click()
            await expect(carl_details.get_by_text("Closed: the AI agent asks the person")).to_be_visible()

            four = person.get_by_role("radio", name="4 stars")
            await expect(four).to_be_attached()
            await four.check(force=True)
            await person.screenshot(path=screenshots / "05-widget-rating.png")
            await person.get_by_role("button", name="Submit rating").click()
            await expect(conversation).to_contain_text(THANKS)

            # The console shows the rating, live.
            await expect(carl_details.get_by_label("Rated 4 of 5")).to_be_visible()
            await holder.screenshot(path=screenshots / "06-chat-rated.png")
            await holder.get_by_role("link", name="← Back to chats").click()
            await expect(chat_rows(holder)).to_contain_text("4 ★")
            await holder.screenshot(path=screenshots / "07-chat-table-rated.png")

            # And Bo still never saw it.
            await other.goto(f"{web.url}/#/chats")
            await expect(other.get_by_role("table", name="Chats")).to_be_visible()
            await expect(other.get_by_text("No chats match")).to_be_visible()
            await expect(chat_rows(other)).to_have_count(0)
        except BaseException:
            # What each page showed when the test failed, beside the screenshots of the screens.
            for number, context in enumerate(contexts):
                for page in context.pages:
                    with contextlib.suppress(Exception):
                        await page.screenshot(path=screenshots / f"failed-{number}.png", full_page=True)
            raise
        finally:
            for context in contexts:
                await context.close()


def page_heading(page: Page, name: str) -> Any:
    return page.get_by_role("heading", name=name)


@pytest.mark.timeout(300)
async def test_an_admin_edits_settings_in_place_and_an_agent_is_not_offered_them(
    browser: Browser, web: WebServer, stack: Stack, screenshots: Path
) -> None:
    """Settings are edited where they are listed: the admin renames a tag and gives it a colour
    through its row's Edit form, and the inbox has it so. An agent has no Settings link at all (the
    server would refuse them too)."""
    suffix = new_id()[-6:]
    workspace: dict[str, Any] = stack.cli("bootstrap", "--workspace", f"Settings {suffix}")
    admin, inbox = workspace["token"], stack.url("inbox")
    old, new = f"Urgent {suffix}", f"Priority {suffix}"
    async with httpx.AsyncClient(timeout=20) as http:
        made = await created(
            http, f"{inbox}/v1/tags", admin, {"teamspace_id": workspace["teamspace_id"], "name": old}
        )
        _, agent_token = await new_user(http, stack, workspace, "agent", team_ids=[workspace["team_id"]])
        contexts: list[BrowserContext] = []
        try:
            page = await open_page(browser, contexts, f"{web.url}/")
            await sign_in(page, admin)
            await page.get_by_role("link", name="Settings").click()
            await (
                page.get_by_role("navigation", name="Settings sections")
                .get_by_role("link", name="Tags & groups")
                .click()
            )
            tags = page.get_by_role("table", name="Tags")
            await expect(tags.get_by_role("cell", name=old, exact=True)).to_be_visible()
            await tags.get_by_role("button", name=f"Edit {old}").click()
            form = page.get_by_role("form", name=f"Edit {old}")
            await form.get_by_label("Tag name").fill(new)
            await form.get_by_label("Colour (#rrggbb)").fill("#aa3300")
            await form.get_by_role("button", name="Save").click()
            await expect(tags.get_by_role("cell", name=new, exact=True)).to_be_visible()
            await expect(tags.get_by_role("cell", name=old, exact=True)).to_have_count(0)
            await page.screenshot(path=screenshots / "08-settings-tag-edited.png")
            listed = await http.get(
                f"{inbox}/v1/tags", headers=auth(admin), params={"teamspace_id": workspace["teamspace_id"]}
            )
            (stored,) = [t for t in listed.json()["items"] if t["id"] == made["id"]]
            assert (stored["name"], stored["colour"]) == (new, "#aa3300"), stored

            agent = await open_page(browser, contexts, f"{web.url}/")
            await sign_in(agent, agent_token)
            await expect(agent.get_by_role("link", name="Chats")).to_be_visible()
            await expect(agent.get_by_role("link", name="Settings")).to_have_count(0)
        finally:
            for context in contexts:
                await context.close()
