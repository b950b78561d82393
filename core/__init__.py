"""The shared kernel: what every package of the assistant builds on.

- `core.db`: the SQLAlchemy declarative `Base`, `engine_for`, `UnitOfWork`, `migrate` and the
  Alembic version table; `core/migrations/`: the migrations of every package's tables
  (`kb_*`, `act_*`, `ho_*`).
- `core.clock`: the one clock (Beijing time and date) and the one convention for stored
  times (naive Beijing time in every table).
- `core.privacy`: phone numbers read, normalised and masked.
- `core.numerals`: numbers in Arabic digits or Chinese numerals, and the regex pieces for them.
- `core.rasa_events`: the one declaration of Rasa's `events` table.

The rule: `core` imports nothing of ours (only the standard library and third-party
packages), so every other package may import it. The one exception is
`core/migrations/env.py`, which imports each package's models because Alembic needs their
metadata; nothing imports it. The layers above: kb, activities, handoff, then actions, bot
and ops (`.importlinter`, enforced by tests/unit/test_layers.py).
"""
