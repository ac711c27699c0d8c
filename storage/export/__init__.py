"""The database side of the exports: the queries the export service reads row by row
(``queries``, ``cursor``), and the fast CSV paths where the database formats every cell
(``sql``, ``cells``; PostgreSQL's COPY in ``copy``, SQLite's worker processes in
``sqlite_worker``)."""
