# The default survey as an XLSForm workbook (issue 17): the build writes
# $(BUILD)/surveys/domestic-work.xlsx from surveys/domestic-work.json; this
# copies it over the shipped surveys/domestic-work.xlsx after the JSON
# changed (tests/cli/test_xlsform.sh fails until then).
.PHONY: survey-xlsx
survey-xlsx: build
	@cp $(BUILD)/surveys/domestic-work.xlsx surveys/domestic-work.xlsx
	@echo "surveys/domestic-work.xlsx refreshed from surveys/domestic-work.json"
