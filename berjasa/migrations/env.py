"""Alembic environment: the connection comes from berjasa.migrate, never from alembic.ini."""

from alembic import context

from berjasa.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    user_module_prefix="berjasa.db.",
)
with context.begin_transaction():
    context.run_migrations()
