"""The audit workbook's scope and the sheets about studios (registered with core.exports)."""
