-- Reduced, hand-written, from what the public sample databases (pagila, sakila) have and the
-- legacy shop does not: a clock-reading default, a table of another schema referenced from
-- public, a one-to-one table (its key is its foreign key), and a partitioned table whose
-- composite key has a serial part, with defaults and a foreign key on the parent.
CREATE SCHEMA sales;

CREATE TABLE sales.region (
  region_id serial PRIMARY KEY,
  name varchar(40) NOT NULL UNIQUE
);

CREATE TABLE customer (
  customer_id serial PRIMARY KEY,
  region_id integer REFERENCES sales.region (region_id) ON DELETE SET NULL,
  create_date date DEFAULT ('now'::text)::date NOT NULL,
  last_update timestamp without time zone DEFAULT now() NOT NULL
);

CREATE TABLE customer_card (
  customer_id integer PRIMARY KEY REFERENCES customer (customer_id) ON DELETE CASCADE,
  number char(16) NOT NULL
);

CREATE TABLE payment (
  payment_id serial NOT NULL,
  customer_id integer NOT NULL REFERENCES customer (customer_id),
  amount numeric(5,2) DEFAULT 0 NOT NULL,
  payment_date timestamp with time zone DEFAULT now() NOT NULL,
  PRIMARY KEY (payment_date, payment_id)
) PARTITION BY RANGE (payment_date);
CREATE TABLE payment_p2022_01 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2022-02-01');
CREATE TABLE payment_p2022_02 PARTITION OF payment FOR VALUES FROM ('2022-02-01') TO ('2022-03-01');
CREATE INDEX idx_payment_customer ON payment (customer_id);

INSERT INTO sales.region (name) VALUES ('North');
INSERT INTO customer (region_id) VALUES (1);
INSERT INTO customer_card VALUES (1, '4000000000000002');
INSERT INTO payment (customer_id, amount, payment_date) VALUES (1, 9.99, '2022-01-15'), (1, 4.99, '2022-02-03');
