import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import civicgrid.cases.models


class Migration(migrations.Migration):
    """Fewer indexes to keep up on every write: grid, category and holder of a case, and the case of
    a timeline entry, are indexed first in composite indexes already; the case number's uniqueness
    becomes a constraint, which on PostgreSQL drops the extra LIKE index unique=True brings."""

    dependencies = [
        ("cases", "0003_case_number_generated"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="category",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cases.category",
                verbose_name="类别",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="grid",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.orgunit",
                verbose_name="网格",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="holder",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="org.orgunit",
                verbose_name="承办单位",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="number",
            field=models.GeneratedField(
                db_persist=True,
                expression=civicgrid.cases.models.CaseNumber(),
                output_field=models.CharField(max_length=20),
                verbose_name="编号",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="cases.case",
            ),
        ),
        migrations.AddConstraint(
            model_name="case",
            constraint=models.UniqueConstraint(fields=("number",), name="case_number_unique"),
        ),
    ]
