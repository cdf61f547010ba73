//! "Live" data from fixed tables: exchange rates and weather.

use std::collections::BTreeMap;

use axum::Json;
use axum::http::Uri;
use serde_json::{Value, json};

use super::QueryParams;
use crate::data;
use crate::error::{ApiError, ApiResult};

/// `GET /api/v2/rates?base=USD&symbols=INR,AED`: `base` defaults to USD, `symbols` to every
/// other supported currency; cross rates go through the dollar.
pub(crate) async fn rates(uri: Uri) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(&uri)?;
    let base = query.get("base").unwrap_or("USD").to_ascii_uppercase();
    let base_rate = known_rate(&base)?;
    let symbols: Vec<String> = match query.get("symbols") {
        Some(list) => list
            .split(',')
            .map(|code| code.trim().to_ascii_uppercase())
            .filter(|code| !code.is_empty())
            .collect(),
        None => data::USD_RATES
            .iter()
            .map(|(code, _)| (*code).to_owned())
            .filter(|code| *code != base)
            .collect(),
    };
    let mut rates = BTreeMap::new();
    for code in symbols {
        let rate = known_rate(&code)? / base_rate;
        rates.insert(code, (rate * 1e6).round() / 1e6);
    }
    Ok(Json(
        json!({ "base": base, "date": data::AS_OF_DATE, "rates": rates }),
    ))
}

fn known_rate(code: &str) -> ApiResult<f64> {
    data::usd_rate(code).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown currency `{code}`; supported: {}",
            data::currency_codes()
        ))
    })
}

/// `GET /api/v2/weather?city=Dubai`, city case-insensitive.
pub(crate) async fn weather(uri: Uri) -> ApiResult<Json<Value>> {
    let query = QueryParams::parse(&uri)?;
    let Some(city) = query.get("city") else {
        return Err(ApiError::bad_request(format!(
            "`city` is required; known cities: {}",
            data::WEATHER_CITIES
        )));
    };
    data::weather(city).map(Json).ok_or_else(|| {
        ApiError::not_found(format!(
            "no weather for city {city}; known cities: {}",
            data::WEATHER_CITIES
        ))
    })
}
