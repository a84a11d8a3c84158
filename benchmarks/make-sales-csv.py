#!/usr/bin/env python3
"""A realistic sales CSV for the command line's jobs: quoted fields with commas and quotes,
Unicode, empty fields, negative and decimal numbers, millions of distinct keys.

    python3 benchmarks/make-sales-csv.py ROWS OUT.csv [SEED]

Columns: order_id, customer, country, city, product, category, qty, price, amount, discount,
epoch_ms, note, channel, rep, region. About 137 bytes per row; (country, city, product) has
about as many distinct triples as rows, customer about a quarter of the rows.
"""
import random
import sys

COUNTRIES = ["Deutschland", "France", "España", "Česko", "Ελλάδα", "日本", "Россия", "Brasil",
             "Côte d'Ivoire", "United Kingdom", "México", "Türkiye", "Việt Nam", "Norge"]
CITIES = ["Zürich", "München", "São Paulo", "Kraków", "Łódź", "Malmö", "Reykjavík", "Osaka",
          "Москва", "Αθήνα", "Ho Chi Minh", "Québec", "Köln", "Dubrovnik", "Cluj-Napoca"]
CATEGORIES = ["tools", "food, fresh", "books", "toys \"kids\"", "garden", "électronique"]
CHANNELS = ["web", "store", "phone", ""]
NOTES = ["", "", "gift", "says \"rush\", call first", "fragile, glass", "naïve café order",
         "résumé attached", "line one; line two"]


def quote(field):
    if any(c in field for c in ',"\n'):
        return '"' + field.replace('"', '""') + '"'
    return field


def main():
    rows = int(sys.argv[1])
    out = sys.argv[2]
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    cities = rows // 4 + 1
    products = 1000
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("order_id,customer,country,city,product,category,qty,price,amount,discount,"
                "epoch_ms,note,channel,rep,region\n")
        for i in range(rows):
            country = COUNTRIES[rnd.randrange(len(COUNTRIES))]
            city = "%s %d" % (CITIES[rnd.randrange(len(CITIES))], rnd.randrange(cities))
            product = "P-%04d %s" % (rnd.randrange(products),
                                     CATEGORIES[rnd.randrange(len(CATEGORIES))])
            qty = rnd.randrange(-3, 50)
            price = rnd.randrange(1, 100000) / 100
            amount = "%.2f" % (qty * price)
            discount = "" if rnd.random() < 0.3 else "%.2f" % (rnd.random() / 4)
            row = [str(i), "cust-%d" % rnd.randrange(rows // 4 + 1), country, city, product,
                   CATEGORIES[rnd.randrange(len(CATEGORIES))], str(qty), "%.2f" % price, amount,
                   discount, str(1_600_000_000_000 + rnd.randrange(10 ** 11)),
                   NOTES[rnd.randrange(len(NOTES))], CHANNELS[rnd.randrange(len(CHANNELS))],
                   "rep %d" % rnd.randrange(500), "region-%d" % rnd.randrange(40)]
            f.write(",".join(quote(x) for x in row))
            f.write("\n")


if __name__ == "__main__":
    main()
