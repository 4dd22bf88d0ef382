import django.db.models.deletion
from django.db import migrations, models

import accounts.models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_deadlines_scans_form_data"),
    ]

    operations = [
        migrations.CreateModel(
            name="RenderedPacket",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(blank=True, max_length=64)),
                (
                    "file",
                    models.FileField(blank=True, upload_to=accounts.models.upload_path),
                ),
                ("size", models.PositiveBigIntegerField(default=0)),
                ("pages", models.PositiveIntegerField(default=0)),
                ("rendered_at", models.DateTimeField()),
                (
                    "call",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rendered_packet",
                        to="applications.call",
                    ),
                ),
            ],
            options={
                "verbose_name": "stored call packet",
                "verbose_name_plural": "stored call packets",
            },
        ),
        migrations.CreateModel(
            name="RenderedPdf",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "variant",
                    models.CharField(
                        choices=[("full", "Complete"), ("masked", "Personal details masked")],
                        max_length=10,
                    ),
                ),
                ("version", models.CharField(blank=True, max_length=64)),
                (
                    "file",
                    models.FileField(blank=True, upload_to=accounts.models.upload_path),
                ),
                ("size", models.PositiveIntegerField(default=0)),
                ("rendered_at", models.DateTimeField()),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="renditions",
                        to="applications.application",
                    ),
                ),
            ],
            options={
                "verbose_name": "stored application PDF",
                "verbose_name_plural": "stored application PDFs",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("application", "variant"), name="one_rendered_pdf_per_variant"
                    )
                ],
            },
        ),
    ]
