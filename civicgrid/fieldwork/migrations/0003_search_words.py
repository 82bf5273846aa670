from django.db import migrations

from civicgrid.fieldwork.search import create_index, index_text


def upgrade(apps, schema_editor):
    """The index in its current form (a stored vector on PostgreSQL, weighted rank on SQLite), and
    every item's words indexed again with their synonym groups."""
    create_index(apps, schema_editor)
    ServiceItem = apps.get_model("fieldwork", "ServiceItem")
    for item in ServiceItem.objects.prefetch_related("documents").iterator(chunk_size=500):
        documents = " ".join(d.title for d in item.documents.all())
        body = " ".join([item.eligibility, " ".join(item.materials), " ".join(item.process), item.office, documents])
        item.search_title, item.search_body = index_text(item.title, body)
        item.save(update_fields=["search_title", "search_body"])


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0002_search_index")]

    operations = [migrations.RunPython(upgrade, migrations.RunPython.noop, elidable=False)]
