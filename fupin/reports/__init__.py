"""Files people take away: the 月核查 workbook, the 季通报 (XLSX + printable HTML), and the safe writers
every download uses. May import fupin.core, fupin.access, fupin.warehouse and fupin.domain."""
