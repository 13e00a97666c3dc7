"""The stack's ceiling: the smallest page Flask, SQLAlchemy and Jinja can serve from a database.

One indexed select on a 50 000-row table, rendered through a small template. The benchmark
serves it with gunicorn beside the portal (``gunicorn bench.ceiling:app`` from scripts/, with
CEILING_DATABASE_URL set) and compares every page's requests per second with it.
"""

from __future__ import annotations

import gc
import os
import random

from flask import Flask, render_template_string
from sqlalchemy import Index, Integer, String, create_engine, delete, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROWS = 50_000
TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ item.name }}</title></head>
<body><main><h1>{{ item.name }}</h1>
<dl><dt>Reference</dt><dd>{{ item.reference }}</dd><dt>Score</dt><dd>{{ item.score }}</dd></dl>
</main></body></html>"""


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "bench_ceiling_item"
    __table_args__ = (Index("ix_bench_ceiling_item_reference", "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80))
    score: Mapped[int]


def prepare(database_url: str, rows: int = ROWS) -> None:
    """Create the ceiling's table and fill it with ``rows`` rows, unless it has them already."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        if session.scalar(select(func.count(Item.id))) != rows:
            session.execute(delete(Item))
            rng = random.Random(1)
            session.execute(
                insert(Item),
                [
                    {"reference": f"R{n:06d}", "name": f"Item {n}", "score": rng.randint(0, 999)}
                    for n in range(rows)
                ],
            )
            session.commit()
    engine.dispose()


def create_app(database_url: str, rows: int = ROWS) -> Flask:
    app = Flask(__name__)
    engine = create_engine(database_url)

    @app.get("/")
    def page():
        reference = f"R{random.randrange(rows):06d}"
        with Session(engine) as session:
            item = session.scalars(select(Item).where(Item.reference == reference)).one()
            return render_template_string(TEMPLATE, item=item)

    return app


if "CEILING_DATABASE_URL" in os.environ:
    app = create_app(os.environ["CEILING_DATABASE_URL"], int(os.environ.get("CEILING_ROWS", ROWS)))
    gc.collect()
    gc.freeze()
