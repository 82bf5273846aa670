from django.db import migrations

from civicgrid.fieldwork.search import create_index, drop_index


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
