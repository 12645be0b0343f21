//! stub
use super::model::RunReport;
/// stub
pub fn render(_r: &RunReport) -> String {
    String::new()
}
