"""django-import-export's view of the activities: the bench's baseline for the audit writer."""

from import_export import fields as ie_fields
from import_export import resources

from core import spreadsheets

from ..models import Activity


class ActivityResource(resources.ModelResource):
    """Activities as django-import-export exports them: every cell is text (STACK.md), made
    inert like every workbook we write."""

    studio_name = ie_fields.Field(attribute="studio__name", column_name="工作室")
    plaque_number = ie_fields.Field(attribute="studio__plaque_number", column_name="牌匾编号")
    held_on = ie_fields.Field(attribute="held_on", column_name="活动日期")
    kind = ie_fields.Field(attribute="kind", column_name="活动类型")
    title = ie_fields.Field(attribute="title", column_name="活动主题")
    online = ie_fields.Field(attribute="online", column_name="线上")
    place = ie_fields.Field(attribute="place", column_name="地点")

    class Meta:
        model = Activity
        fields = (
            "id",
            "studio_name",
            "plaque_number",
            "held_on",
            "kind",
            "title",
            "online",
            "place",
        )
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("studio")

    def export_field(self, field, instance, **kwargs):
        # tablib turns any text beginning with "=" into a formula and has no text type to ask
        # for, so formula-like text gets an apostrophe in front (core.spreadsheets.inert_text).
        return spreadsheets.inert_text(super().export_field(field, instance, **kwargs))
