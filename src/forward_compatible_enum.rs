//! The shape of every enum `build.rs` generates from a string `enum` of
//! the fragment (other than the hand-written [`NoteIdentifier`](crate::NoteIdentifier)):
//! forward compatible in the async-stripe way, so a value a newer API
//! sends decodes into `Unknown` instead of failing a response whose
//! update was already applied.

/// Declares a forward-compatible enum: one documented variant per wire
/// value, `Unknown(String)` for the rest, `#[non_exhaustive]` so that a
/// value added to the fragment is a minor change.
#[allow(unused_macros)] // when the fragment has no enum but NoteIdentifier
macro_rules! forward_compatible_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($(#[$doc:meta])* $variant:ident = $wire:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$doc])* $variant,)+
            /// A value this version of the crate does not know, kept as
            /// received so that a response never fails to decode because
            /// Upheal added a value. Match on [`Self::as_str`], not on this
            /// variant: a later version may know the value.
            Unknown(::std::string::String),
        }

        impl $name {
            /// Every value this version knows, in the fragment's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The exact wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(value) => value,
                }
            }

            /// Whether this version knows the value (it is not `Unknown`).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// The exact wire spelling; any other text is `Unknown`.
        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(match value {
                    $($wire => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(value.parse().unwrap_or_else(|never| match never {}))
            }
        }
    };
}

pub(crate) use forward_compatible_enum;

#[cfg(test)]
mod tests {
    forward_compatible_enum! {
        /// A test enum.
        Language {
            /// The wire value `en`.
            En = "en",
            /// The wire value `fr`.
            Fr = "fr",
        }
    }

    #[test]
    fn an_unknown_value_is_kept_and_sent_back_as_received() {
        let values: Vec<Language> = serde_json::from_str(r#"["en", "de", "fr"]"#).unwrap();
        assert_eq!(
            values,
            [Language::En, Language::Unknown("de".into()), Language::Fr]
        );
        assert!(!values[1].is_known() && values[0].is_known());
        assert_eq!(
            serde_json::to_string(&values).unwrap(),
            r#"["en","de","fr"]"#
        );
        assert_eq!(values[1].to_string(), "de");
        assert_eq!(Language::ALL, [Language::En, Language::Fr]);
        assert_eq!("fr".parse::<Language>(), Ok(Language::Fr));
    }
}
