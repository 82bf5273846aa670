import civicgrid.cases.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """The case number becomes a stored generated column (reporting date in Beijing time + id), so a
    report no longer needs a second UPDATE. A generated column cannot replace a plain one in place."""

    dependencies = [
        ("cases", "0002_centre_indexes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="case",
            name="number",
        ),
        migrations.AddField(
            model_name="case",
            name="number",
            field=models.GeneratedField(
                db_persist=True,
                expression=civicgrid.cases.models.CaseNumber(),
                output_field=models.CharField(max_length=20),
                unique=True,
                verbose_name="编号",
            ),
        ),
    ]
