// The demo Webchat widget. What it keeps in localStorage (per app):
//   livechat:<app>        the session {session_token, visitor_id, expires_at, obtained_at}
//   livechat:<app>:log    the conversation shown so far (the person's messages and the replies)
//   livechat:<app>:cursor the last reply cursor seen (the socket's ?after=)
// A reload shows the conversation again and reconnects with the saved token. Past half its life
// the token is used as proof to get a new session for the same visitor; only when it can no longer
// prove anything (expired) does the page start over as a new visitor.
"use strict";
(() => {
  const appId = location.pathname.split("/").filter(Boolean).pop();
  const base = location.pathname.replace(/\/webchat\/[^/]+\/?$/, "");
  const key = `livechat:${appId}`, logKey = `${key}:log`, cursorKey = `${key}:cursor`;
  const log = document.getElementById("log"), state = document.getElementById("state");
  const seen = new Set();
  let ws = null, current = null, renewTimer = null, retryDelay = 1000;

  const load = (k, fallback) => { try { return JSON.parse(localStorage.getItem(k)) ?? fallback; } catch { return fallback; } };
  const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const store = (k, v) => localStorage.setItem(k, JSON.stringify(v));
  let transcript = load(logKey, []), lastCursor = Number(load(cursorKey, 0)) || 0;

  function show(text, kind, who) {
    const div = document.createElement("div");
    div.className = "msg " + kind;
    if (who) { const w = document.createElement("div"); w.className = "who"; w.textContent = who; div.append(w); }
    div.append(document.createTextNode(text));
    log.append(div); log.scrollTop = log.scrollHeight;
  }
  function remember(entry) {
    transcript.push(entry); transcript = transcript.slice(-200); store(logKey, transcript);
    show(entry.text, entry.mine ? "me" : "them", entry.who);
  }

  const halfLifeLeft = (s) => {
    const end = Date.parse(s.expires_at), start = s.obtained_at || 0;
    return (start + end) / 2 - Date.now();  // ms until half its life is spent
  };

  async function newSession(proof) {
    const headers = {"content-type": "application/json"};
    let body = {};
    if (proof) { headers.authorization = `Bearer ${proof.session_token}`; body = {visitor_id: proof.visitor_id}; }
    const res = await fetch(`${base}/v1/webchat/${appId}/sessions`, {method: "POST", headers, body: JSON.stringify(body)});
    if (res.status === 403 && proof) {  // the old token proves nothing any more: start over
      localStorage.removeItem(key); localStorage.removeItem(logKey); localStorage.removeItem(cursorKey);
      transcript = []; lastCursor = 0; seen.clear(); log.replaceChildren();
      return newSession(null);
    }
    if (!res.ok) {
      const wait = Number(res.headers.get("retry-after")) || 0;
      const err = new Error(((await res.json().catch(() => null))?.error?.message) || `HTTP ${res.status}`);
      err.retryAfter = wait; throw err;
    }
    const s = {...(await res.json()), obtained_at: Date.now()};
    store(key, s);
    return s;
  }

  // The session to connect with: the saved one while less than half of its life is spent, else a
  // new one proven with it.
  async function session(forceRenew) {
    const saved = load(key, null);
    if (saved && saved.session_token && !forceRenew && halfLifeLeft(saved) > 0) return saved;
    const live = saved && Date.parse(saved.expires_at) > Date.now() ? saved : null;
    return newSession(live);
  }

  function scheduleRenewal(s) {
    clearTimeout(renewTimer);
    const wait = Math.min(Math.max(halfLifeLeft(s), 1000), 2 ** 31 - 1);
    renewTimer = setTimeout(() => { if (ws) { ws.onclose = null; ws.close(1000); } connect(true); }, wait);
  }

  async function connect(forceRenew) {
    try {
      current = await session(forceRenew);
    } catch (err) {
      state.textContent = `offline (${err.message}), retrying…`;
      setTimeout(() => connect(forceRenew), Math.max(err.retryAfter || 0, 2) * 1000);
      return;
    }
    scheduleRenewal(current);
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const url = `${proto}://${location.host}${base}/v1/webchat/${appId}/ws?token=${encodeURIComponent(current.session_token)}&after=${lastCursor}`;
    let opened = false;
    ws = new WebSocket(url);
    ws.onopen = () => { opened = true; retryDelay = 1000; state.textContent = "online"; };
    ws.onclose = (e) => {
      state.textContent = "offline, retrying…";
      // 4001: the session expired. A handshake that was refused (never opened) may be a token the
      // service no longer takes: renew it, with the token as proof, on the next attempt.
      const renew = e.code === 4001 || !opened;
      setTimeout(() => connect(renew), retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
    ws.onmessage = (e) => {
      const f = JSON.parse(e.data);
      if (f.type === "message" && !seen.has(f.message.id)) {
        seen.add(f.message.id);
        if ((f.cursor || 0) > lastCursor) { lastCursor = f.cursor; store(cursorKey, lastCursor); }
        const a = f.message.author;
        remember({mine: false, text: f.message.text, who: a.alias || a.name || (a.type === "ai" ? "Assistant" : "Agent")});
      } else if (f.type === "error") {
        const wait = f.error.retry_after ? ` (retry in ${f.error.retry_after}s)` : "";
        show(`⚠ ${f.error.message}${wait}`, "note");
      }
    };
  }

  for (const entry of transcript) show(entry.text, entry.mine ? "me" : "them", entry.who);
  document.getElementById("form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("text"), text = input.value.trim();
    if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({type: "message", text, client_message_id: newId()}));
    remember({mine: true, text}); input.value = "";
  });
  connect(false);
})();
