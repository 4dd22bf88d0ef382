# Every studio founded before plaques carried a QR code gets its verification code.

from django.db import migrations

import studios.models


def fill(apps, schema_editor):
    Studio = apps.get_model('studios', 'Studio')
    taken = set()
    for studio in Studio.objects.filter(verification_code__isnull=True).only('pk'):
        code = studios.models.new_verification_code()
        while code in taken:  # 59 bits: never in practice, but a clash would fail 0005
            code = studios.models.new_verification_code()
        taken.add(code)
        Studio.objects.filter(pk=studio.pk).update(verification_code=code)


class Migration(migrations.Migration):

    dependencies = [
        ('studios', '0003_verification_code_calendar_feed'),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
