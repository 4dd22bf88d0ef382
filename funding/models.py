# Allocations, expenditures and fixed assets arrive with the funding issue.
