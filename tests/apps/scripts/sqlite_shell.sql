-- The sqlite3 shell on a database file under /tmp: tables, 100,000 rows inserted in one
-- transaction, indexes, aggregate queries, a join, a view, an update and a delete, and an
-- integrity check. The database path is the shell's argument.
.bail on
.headers on
.mode list
PRAGMA journal_mode = DELETE;
PRAGMA foreign_keys = ON;

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer INTEGER NOT NULL REFERENCES customers(id),
    amount INTEGER NOT NULL,
    day TEXT NOT NULL,
    note TEXT
);

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
INSERT INTO customers (id, name, region)
SELECT i, printf('customer-%04d', i), CASE i % 4 WHEN 0 THEN 'north' WHEN 1 THEN 'south' WHEN 2 THEN 'east' ELSE 'west' END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO orders (id, customer, amount, day, note)
SELECT i, (i * 7919) % 1000 + 1, (i * 104729) % 10000, date('2024-01-01', '+' || (i % 366) || ' days'),
       CASE WHEN i % 10 = 0 THEN 'gift ' || i ELSE NULL END
FROM n;
COMMIT;

CREATE INDEX orders_by_customer ON orders (customer);
CREATE INDEX orders_by_day ON orders (day);
CREATE VIEW monthly AS
    SELECT substr(day, 1, 7) AS month, COUNT(*) AS orders, SUM(amount) AS total FROM orders GROUP BY month;

SELECT COUNT(*) AS orders, SUM(amount) AS total, MIN(amount) AS least, MAX(amount) AS most,
       printf('%.4f', AVG(amount)) AS mean, COUNT(note) AS with_note FROM orders;
SELECT region, COUNT(*) AS orders, SUM(o.amount) AS total
FROM orders o JOIN customers c ON c.id = o.customer GROUP BY region ORDER BY region;
SELECT * FROM monthly ORDER BY month;
SELECT c.name, SUM(o.amount) AS spent FROM customers c JOIN orders o ON o.customer = c.id
GROUP BY c.id ORDER BY spent DESC, c.name LIMIT 5;
SELECT day, COUNT(*) AS n FROM orders WHERE day BETWEEN '2024-02-27' AND '2024-03-02' GROUP BY day;
SELECT amount / 1000 AS bucket, COUNT(*) AS n FROM orders GROUP BY bucket HAVING n > 0 ORDER BY bucket;
SELECT group_concat(id, ',') AS first_notes FROM (SELECT id FROM orders WHERE note IS NOT NULL ORDER BY id LIMIT 8);

BEGIN;
UPDATE orders SET amount = amount + 1 WHERE customer IN (SELECT id FROM customers WHERE region = 'north');
DELETE FROM orders WHERE amount < 100;
COMMIT;
SELECT changes() AS last_changes, total_changes() > 0 AS changed, COUNT(*) AS remaining, SUM(amount) AS total FROM orders;

BEGIN;
DELETE FROM orders;
ROLLBACK;
SELECT COUNT(*) AS after_rollback FROM orders;

PRAGMA integrity_check;
SELECT page_count > 100 AS big_enough FROM pragma_page_count;
