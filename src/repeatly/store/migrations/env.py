"""Alembic's entry point for Repeatly's operational database.

Run through :func:`repeatly.store.open_store`, which passes an open connection.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
