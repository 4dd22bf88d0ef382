from django.db import migrations, models

import studios.models


class Migration(migrations.Migration):

    dependencies = [
        ('studios', '0004_fill_verification_codes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='studio',
            name='verification_code',
            field=models.CharField(default=studios.models.new_verification_code, editable=False, max_length=12, unique=True, verbose_name='verification code'),
        ),
    ]
