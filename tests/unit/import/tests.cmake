# The bulk import pipeline.
pazhou_unit_test(test_bulk_csv pazhou_import)
pazhou_unit_test(test_bulk pazhou_import)
pazhou_unit_test(test_bulk_jsonl pazhou_import)
pazhou_unit_test(test_bulk_sort pazhou_import)
