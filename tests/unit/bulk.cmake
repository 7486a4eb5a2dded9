pazhou_unit_test(test_bulk_csv pazbulk)
pazhou_unit_test(test_bulk pazbulk)
pazhou_unit_test(test_bulk_jsonl pazbulk)
