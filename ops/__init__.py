"""Operations: everything that runs, checks and looks after the assistant from outside Rasa.

Nothing here is loaded by the Rasa server or the action server (that is `bot/`, `actions/`
and the libraries they call):

- `ops.cli` — the `daxing` operator command line, one module per command group;
- `ops.supervisor` — the one process supervisor (`Component`) and the `Assistant` that
  `daxing run`, the tests and the benchmarks start;
- `ops.profile` — the production profile on one machine (`python -m ops.profile`), with
  its services `ops.postgres`, `ops.redis` and `ops.nginx` (which also generates
  deploy/nginx.conf from the same template, `ops/nginx.conf.j2`);
- `ops.retention` — the retention purge (`daxing retention`).
"""
