# Shortcuts for the README's commands (which need only Python: `python3 workbook.py ...`).
.PHONY: setup report test lab

setup:
	python3 workbook.py setup

report:
	python3 workbook.py report

test:
	python3 workbook.py test

lab:
	python3 workbook.py lab
