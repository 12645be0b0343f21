//! Numbers and times for people: durations, seconds, UTC dates. Pure functions of their
//! input (the page never reads a clock).

/// `12 ms`, `1.23 s`.
pub(super) fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Seconds without trailing zeros: `5`, `2.5`, `0.25`.
pub(super) fn secs(s: f64) -> String {
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Milliseconds since the epoch as `YYYY-MM-DD hh:mm:ss UTC`.
pub(super) fn utc(ms: u128) -> String {
    let secs = (ms / 1000) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_to_seconds_at_one_second() {
        assert_eq!(duration(0.4), "0 ms");
        assert_eq!(duration(12.5), "12 ms");
        assert_eq!(duration(999.0), "999 ms");
        assert_eq!(duration(1000.0), "1.00 s");
        assert_eq!(duration(1234.5), "1.23 s");
    }

    #[test]
    fn seconds_without_trailing_zeros() {
        assert_eq!(secs(5.0), "5");
        assert_eq!(secs(2.5), "2.5");
        assert_eq!(secs(0.25), "0.25");
        assert_eq!(secs(10.0), "10");
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }
}
