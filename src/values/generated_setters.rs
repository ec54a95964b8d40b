//! The setters `build.rs` generates on [`ProviderUserUpdate`], one per request
//! property the fragment defines beyond the hand-written ones, and the
//! by-name setters beside them (what the CLI uses for a column of that name).

use crate::{
    errors::Error,
    values::{
        generated_property::{GENERATED, GeneratedProperty, PropertyShape, property},
        provider_user_update::ProviderUserUpdate,
        quoted_value::quoted,
    },
};

include!(concat!(env!("OUT_DIR"), "/generated_setters.rs"));

impl ProviderUserUpdate {
    /// The request properties the fragment defines beyond the ones with a
    /// hand-written setter: each has a generated setter and getter of its
    /// name (in snake case), and can be set by name with
    /// [`Self::with_generated_text`] or [`Self::with_generated_list`] (as
    /// the CLI does for a column of that name). Empty while the fragment
    /// defines no such property.
    pub fn generated_properties() -> &'static [GeneratedProperty] {
        GENERATED
    }

    /// Sets the [generated property](Self::generated_properties) `name`,
    /// a [`PropertyShape::Text`]. Fails, naming `name`, for a name that is
    /// not one or a property of another shape; the value's own checks run
    /// in [`Self::validate`].
    ///
    /// ```
    /// use upheal_provider_users::{ErrorKind, ProviderUserUpdate};
    ///
    /// let error = ProviderUserUpdate::new()
    ///     .with_generated_text("therapyLicense", "L-1")
    ///     .unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::InvalidInput);
    /// assert_eq!(error.field(), Some("therapyLicense"));
    /// ```
    pub fn with_generated_text(
        mut self,
        name: &str,
        value: impl Into<String>,
    ) -> Result<Self, Error> {
        let property = generated(name, PropertyShape::Text)?;
        self.generated_mut().set_text(property.name, value.into());
        Ok(self)
    }

    /// Sets the [generated property](Self::generated_properties) `name`,
    /// a [`PropertyShape::TextList`]; fails as
    /// [`Self::with_generated_text`] does.
    pub fn with_generated_list<I, S>(mut self, name: &str, values: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let property = generated(name, PropertyShape::TextList)?;
        let values = values.into_iter().map(Into::into).collect();
        self.generated_mut().set_list(property.name, values);
        Ok(self)
    }
}

fn generated(name: &str, shape: PropertyShape) -> Result<&'static GeneratedProperty, Error> {
    let wanted = match shape {
        PropertyShape::Text => "a string",
        PropertyShape::TextList => "a list of strings",
    };
    match property(name) {
        Some(property) if property.shape == shape => Ok(property),
        Some(property) => Err(Error::invalid_input(
            property.name,
            format!("does not take {wanted}"),
        )),
        // The name is the caller's input: quoted like a value (a 1 MB name
        // is not repeated whole in the field and the message).
        None => Err(Error::invalid_input(
            quoted(name),
            format!(
                "is not a request property with a generated setter (those are: {})",
                names()
            ),
        )),
    }
}

fn names() -> String {
    if GENERATED.is_empty() {
        return "none".to_owned();
    }
    GENERATED
        .iter()
        .map(|property| property.name)
        .collect::<Vec<_>>()
        .join(", ")
}
