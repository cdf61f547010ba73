//! The fixed demo catalogue: orders, shipments, customers, payments, exchange rates and
//! weather. Deterministic so docs, tests and benchmarks can quote exact values.

use serde_json::{Value, json};

/// The business date the live-data routes report, fixed so answers never change.
pub(crate) const AS_OF_DATE: &str = "2026-11-24";

/// An order by id, compared exactly (`"1001"` matches, `"01001"` does not).
pub(crate) fn order(id: &str) -> Option<Value> {
    let order = match id {
        "1001" => json!({
            "id": "1001",
            "status": "shipped",
            "customer_id": "C42",
            "placed_at": "2026-11-20T10:15:00Z",
            "items": [
                { "sku": "MUG-01", "name": "Ceramic mug", "qty": 2, "price": 12.50 },
                { "sku": "TEE-M", "name": "Cotton T-shirt (M)", "qty": 1, "price": 24.99 }
            ],
            "total": { "amount": 49.99, "currency": "USD" },
            "tracking_number": "TRK1001",
            "shipment": { "carrier": "DHL", "tracking_number": "TRK1001" }
        }),
        "1002" => json!({
            "id": "1002",
            "status": "processing",
            "customer_id": "C43",
            "placed_at": "2026-11-23T16:40:00Z",
            "items": [
                { "sku": "LAMP-02", "name": "Desk lamp", "qty": 1, "price": 39.00 }
            ],
            "total": { "amount": 39.00, "currency": "USD" },
            "tracking_number": null,
            "shipment": null
        }),
        "1003" => json!({
            "id": "1003",
            "status": "delivered",
            "customer_id": "C42",
            "placed_at": "2026-11-10T08:05:00Z",
            "items": [
                { "sku": "BOOK-7", "name": "Hardcover notebook", "qty": 3, "price": 9.00 }
            ],
            "total": { "amount": 27.00, "currency": "USD" },
            "tracking_number": "TRK1003",
            "shipment": { "carrier": "Royal Mail", "tracking_number": "TRK1003" }
        }),
        _ => return None,
    };
    Some(order)
}

/// A shipment by tracking number.
pub(crate) fn shipment(tracking: &str) -> Option<Value> {
    let shipment = match tracking {
        "TRK1001" => json!({
            "tracking_number": "TRK1001",
            "order_id": "1001",
            "status": "in_transit",
            "carrier": "DHL",
            "location": { "city": "Dubai", "country": "AE" },
            "estimated_delivery": "2026-11-30",
            "events": [
                { "at": "2026-11-21T09:00:00Z", "status": "picked_up",
                  "location": { "city": "Frankfurt", "country": "DE" } },
                { "at": "2026-11-22T14:30:00Z", "status": "in_transit",
                  "location": { "city": "Dubai", "country": "AE" } }
            ]
        }),
        "TRK1003" => json!({
            "tracking_number": "TRK1003",
            "order_id": "1003",
            "status": "delivered",
            "carrier": "Royal Mail",
            "location": { "city": "London", "country": "GB" },
            "estimated_delivery": "2026-11-14",
            "delivered_at": "2026-11-13T11:20:00Z",
            "events": [
                { "at": "2026-11-11T07:45:00Z", "status": "picked_up",
                  "location": { "city": "Manchester", "country": "GB" } },
                { "at": "2026-11-13T11:20:00Z", "status": "delivered",
                  "location": { "city": "London", "country": "GB" } }
            ]
        }),
        _ => return None,
    };
    Some(shipment)
}

/// A customer by id.
pub(crate) fn customer(id: &str) -> Option<Value> {
    let customer = match id {
        "C42" => json!({
            "id": "C42",
            "first_name": "Aisha",
            "last_name": "Khan",
            "email": "aisha.khan@example.com",
            "phone": "+971500000042",
            "tier": "gold",
            "member_since": "2019-04-12"
        }),
        "C43" => json!({
            "id": "C43",
            "first_name": "Omar",
            "last_name": "Haddad",
            "email": "omar.haddad@example.com",
            "phone": "+971500000043",
            "tier": "silver",
            "member_since": "2022-09-01"
        }),
        _ => return None,
    };
    Some(customer)
}

/// A customer by phone number (E.164, compared exactly).
pub(crate) fn customer_by_phone(phone: &str) -> Option<Value> {
    ["C42", "C43"]
        .into_iter()
        .filter_map(customer)
        .find(|c| c["phone"] == phone)
}

/// A payment by id, with its amount in minor units (needed to validate refunds).
pub(crate) fn payment(id: &str) -> Option<(Value, u64)> {
    let (payment, amount) = match id {
        "PAY-1001" => (
            json!({
                "id": "PAY-1001",
                "status": "succeeded",
                "amount": 4999,
                "currency": "usd",
                "order_id": "1001",
                "created_at": "2026-11-20T10:15:05Z"
            }),
            4999,
        ),
        "PAY-1002" => (
            json!({
                "id": "PAY-1002",
                "status": "pending",
                "amount": 3900,
                "currency": "usd",
                "order_id": "1002",
                "created_at": "2026-11-23T16:40:07Z"
            }),
            3900,
        ),
        _ => return None,
    };
    Some((payment, amount))
}

/// Units of each currency per US dollar; other pairs are crossed through the dollar.
pub(crate) const USD_RATES: [(&str, f64); 8] = [
    ("USD", 1.0),
    ("EUR", 0.9215),
    ("GBP", 0.7893),
    ("INR", 83.21),
    ("AED", 3.6725),
    ("JPY", 149.52),
    ("SGD", 1.3421),
    ("CHF", 0.8832),
];

/// Units of `code` per US dollar, for a known upper-case currency code.
pub(crate) fn usd_rate(code: &str) -> Option<f64> {
    USD_RATES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, rate)| *rate)
}

/// The supported currency codes, comma-separated, for error messages.
pub(crate) fn currency_codes() -> String {
    USD_RATES.map(|(code, _)| code).join(", ")
}

/// Current weather by city name, case-insensitive.
pub(crate) fn weather(city: &str) -> Option<Value> {
    let mut weather = match city.trim().to_lowercase().as_str() {
        "dubai" => json!({
            "city": "Dubai", "country": "AE", "temperature_c": 31, "feels_like_c": 34,
            "condition": "sunny", "humidity": 45, "wind_kph": 14
        }),
        "abu dhabi" => json!({
            "city": "Abu Dhabi", "country": "AE", "temperature_c": 30, "feels_like_c": 33,
            "condition": "sunny", "humidity": 50, "wind_kph": 16
        }),
        "bengaluru" => json!({
            "city": "Bengaluru", "country": "IN", "temperature_c": 24, "feels_like_c": 25,
            "condition": "partly cloudy", "humidity": 65, "wind_kph": 12
        }),
        "delhi" => json!({
            "city": "Delhi", "country": "IN", "temperature_c": 22, "feels_like_c": 22,
            "condition": "smog", "humidity": 55, "wind_kph": 6
        }),
        "london" => json!({
            "city": "London", "country": "GB", "temperature_c": 9, "feels_like_c": 6,
            "condition": "rain", "humidity": 82, "wind_kph": 22
        }),
        "mumbai" => json!({
            "city": "Mumbai", "country": "IN", "temperature_c": 33, "feels_like_c": 38,
            "condition": "haze", "humidity": 60, "wind_kph": 11
        }),
        "new york" => json!({
            "city": "New York", "country": "US", "temperature_c": 7, "feels_like_c": 4,
            "condition": "cloudy", "humidity": 58, "wind_kph": 19
        }),
        "paris" => json!({
            "city": "Paris", "country": "FR", "temperature_c": 8, "feels_like_c": 6,
            "condition": "overcast", "humidity": 76, "wind_kph": 15
        }),
        "singapore" => json!({
            "city": "Singapore", "country": "SG", "temperature_c": 30, "feels_like_c": 36,
            "condition": "thunderstorms", "humidity": 84, "wind_kph": 9
        }),
        _ => return None,
    };
    if let Some(fields) = weather.as_object_mut() {
        fields.insert(
            "observed_at".to_owned(),
            Value::String(format!("{AS_OF_DATE}T12:00:00Z")),
        );
    }
    Some(weather)
}

/// The names of the cities with weather, for error messages.
pub(crate) const WEATHER_CITIES: &str =
    "Abu Dhabi, Bengaluru, Delhi, Dubai, London, Mumbai, New York, Paris, Singapore";
