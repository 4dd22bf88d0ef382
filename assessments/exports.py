"""The audit workbook's sheet of assessments: annual assessments (with their rectification)
and three-year evaluations. Registered with core.exports when the app is ready."""

from __future__ import annotations

from core.exports import (
    CHUNK_SIZE,
    COUNT,
    DATE,
    DATETIME,
    INTEGER,
    SCORE,
    Column,
    Sheet,
    labelled,
    local_time,
    register,
)
from studios.exports.sheets import county_name, studio_columns

from .models import AnnualAssessment, Outcome, RectificationStatus, TermEvaluation


@register
class AssessmentsSheet(Sheet):
    """Two kinds of rows in one sheet: the annual assessments, then the term evaluations."""

    identifier = "assessments"
    title = "考核评估"
    position = 110
    columns = (
        *studio_columns(),
        Column("类型", 10, total=COUNT),
        Column("年度", 8, INTEGER),
        Column("状态", 10),
        Column("总分", 8, SCORE),
        Column("结论", 10),
        Column("决定时间", 17, DATETIME),
        Column("整改期限", 12, DATE),
        Column("整改状态", 16),
        Column("意见", 36),
    )

    def queryset(self, scope):
        queryset = AnnualAssessment.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(year=scope.year)
        return queryset

    def evaluations(self, scope):
        queryset = TermEvaluation.objects.filter(scope.studio_q("studio__"))
        if scope.year is not None:
            queryset = queryset.filter(opens_on__year=scope.year)
        return queryset

    def count(self, scope):
        return self.queryset(scope).count() + self.evaluations(scope).count()

    def rows(self, scope):
        outcome = labelled(Outcome)
        status = labelled(AnnualAssessment.Status)
        fix = labelled(RectificationStatus)
        result = labelled(TermEvaluation.Result)
        eval_status = labelled(TermEvaluation.Status)
        annual = (
            self.queryset(scope)
            .order_by("studio__plaque_number", "year", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "year",
                "status",
                "total",
                "outcome",
                "decided_at",
                "rectification__deadline",
                "rectification__status",
                "comment",
            )
        )
        for (
            name,
            plaque,
            county,
            year,
            state,
            total,
            out,
            decided,
            due,
            fixing,
            comment,
        ) in annual.iterator(chunk_size=CHUNK_SIZE):
            yield (
                name,
                plaque,
                county_name(county),
                "年度考核",
                year,
                status(state, scope),
                total,
                outcome(out, scope) or None,
                local_time(decided),
                due,
                fix(fixing, scope),
                comment or None,
            )
        term = (
            self.evaluations(scope)
            .order_by("studio__plaque_number", "pk")
            .values_list(
                "studio__name",
                "studio__plaque_number",
                "studio__school__county__name",
                "opens_on",
                "status",
                "total",
                "outcome",
                "decided_at",
                "comment",
            )
        )
        for name, plaque, county, opens_on, state, total, out, decided, comment in term.iterator(
            chunk_size=CHUNK_SIZE
        ):
            yield (
                name,
                plaque,
                county_name(county),
                "期满评估",
                opens_on.year,
                eval_status(state, scope),
                total,
                result(out, scope) or None,
                local_time(decided),
                None,
                None,
                comment or None,
            )
