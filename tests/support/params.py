"""Values bound to every named query's parameters (tests bind, never format)."""

from fupin.views.warnings import red_flag_filters

PARAMS = red_flag_filters("2020-03-01", "34", red_only=False, categories=[]) | {
    "county": "341221",
    "sort": "score",
    "limit": 50,
    "offset": 0,
    "group_by": "type",
    "level": "village",
    "line": 5000.0,
    "t02": 0.3,
    "t09": 0.2,
    "min_score": 3,
    "d01": 5000.0,
    "d02": 20000.0,
    "d05": 10000.0,
    "counties": [],
    "migrant_cut": 0.3,
    "migrant_months": 3,
    "farm_loss": 0.1,
    "w_poor": 0.5,
    "w_epidemic": 0.3,
    "w_deep": 0.1,
    "w_supervised": 0.1,
    "kind": "red_new",
    "check_id": "",
    "start_month": "2020-01-01",
    "end_month": "2020-03-01",
    "department": "",
    "produces": "",
}
