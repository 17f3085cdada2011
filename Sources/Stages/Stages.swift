// The stage runner lives here (issue 6).
