//! The US National Provider Identifier, validated the way CMS defines it.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{errors::Error, values::quoted_value::quoted};

/// The field's wire name, used in every error about it.
pub(crate) const FIELD: &str = "nationalProviderIdentifier";
const LENGTH: usize = 10;
/// CMS computes the check digit as if the NPI were prefixed by `80840`
/// (the health-industry issuer prefix), which adds 24 to the Luhn sum.
const ISSUER_PREFIX_SUM: u32 = 24;

/// A National Provider Identifier: exactly 10 ASCII digits whose last digit
/// is the Luhn check digit over the prefix `80840` and the first nine.
///
/// Checking it here catches the typical transposed or mistyped digit before
/// a request reaches Upheal.
///
/// ```
/// use upheal_provider_users::Npi;
///
/// let npi = Npi::new("1234567893")?;
/// assert_eq!(npi.as_str(), "1234567893");
///
/// let typo = Npi::new("1234567890").unwrap_err();
/// assert!(typo.to_string().contains("check digit"));
/// # Ok::<(), upheal_provider_users::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Npi(String);

impl Npi {
    /// Validates `value` as an NPI; the error names the field and the rule
    /// broken. Surrounding whitespace is trimmed (an NPI's grammar has
    /// none, and a spreadsheet cell often does); nothing else is altered.
    ///
    /// ```
    /// use upheal_provider_users::Npi;
    ///
    /// assert_eq!(Npi::new(" 1234567893\t")?.as_str(), "1234567893");
    /// # Ok::<(), upheal_provider_users::Error>(())
    /// ```
    pub fn new(value: &str) -> Result<Self, Error> {
        let value = value.trim();
        let digits = parse_digits(value)?;
        let (payload, check) = digits.split_at(LENGTH - 1);
        let expected = check_digit(payload);
        if check[0] != expected {
            return Err(Error::invalid_input(
                FIELD,
                format!(
                    "`{}` fails the NPI check digit: the last digit should be {expected}, \
                     so a digit is probably mistyped",
                    quoted(value)
                ),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn parse_digits(value: &str) -> Result<Vec<u32>, Error> {
    if let Some((position, c)) = value.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(Error::invalid_input(
            FIELD,
            format!(
                "`{}` must contain only the digits 0-9, but character {} is {c:?}",
                quoted(value),
                position + 1
            ),
        ));
    }
    if value.len() != LENGTH {
        return Err(Error::invalid_input(
            FIELD,
            format!(
                "`{}` must be exactly {LENGTH} digits, not {}",
                quoted(value),
                value.len()
            ),
        ));
    }
    Ok(value.bytes().map(|b| u32::from(b - b'0')).collect())
}

/// Luhn check digit over `80840` followed by `payload`: from the right, every
/// other digit starting with the last one is doubled.
fn check_digit(payload: &[u32]) -> u32 {
    let sum: u32 = payload
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 0 { luhn_double(d) } else { d })
        .sum::<u32>()
        + ISSUER_PREFIX_SUM;
    (10 - sum % 10) % 10
}

fn luhn_double(digit: u32) -> u32 {
    let doubled = digit * 2;
    if doubled > 9 { doubled - 9 } else { doubled }
}

impl FromStr for Npi {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::new(value)
    }
}

impl TryFrom<String> for Npi {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(&value)
    }
}

impl From<Npi> for String {
    fn from(npi: Npi) -> Self {
        npi.0
    }
}

impl AsRef<str> for Npi {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Npi {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Npi".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "National Provider Identifier: 10 digits, the last a Luhn check digit over 80840 and the first nine.",
            "pattern": "^[0-9]{10}$",
        })
    }
}
