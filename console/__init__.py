"""The staff console: a web app (aiohttp + Jinja2) where district staff take conversations
over, and organisers and admins run the rest (issue 18).

- `app.create_app(services, rasa)`: the app factory (aiohttp-demos' shape): routes,
  templates, the login and CSRF middleware; `main`: the process (`python -m console`,
  started by `daxing run` and the production profile on CONSOLE_PORT);
- `auth`: logging in and out, the session cookie, CSRF tokens, role checks;
- `tickets`: the inbox (live, server-sent events), a ticket's conversation, claim, reply,
  close, reveal a call-back number;
- `rasa`: the few calls to Rasa's HTTP API the console makes (read a conversation, run the
  relay action).
"""
