# Annual reports, assessments and term evaluations arrive with the assessments issue.
