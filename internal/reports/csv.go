package reports

import (
	"encoding/csv"
	"io"
)

// Neutralise makes a cell safe to open in a spreadsheet: a cell starting
// with =, +, -, @, a tab or a carriage return could be read as a formula
// (and run a command or leak data), so it gets a leading single quote,
// which spreadsheets take as "this is text".
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}

// WriteCSV writes the table as CSV (RFC 4180, CRLF line ends): a header
// row of its columns, then its rows, every cell neutralised.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := make([]string, 0, len(t.Columns))
	for _, c := range t.Columns {
		row = append(row, Neutralise(c))
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	for _, r := range t.Rows {
		row = row[:0]
		for _, c := range r {
			row = append(row, Neutralise(c))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
