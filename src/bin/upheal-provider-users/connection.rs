//! The client the commands use: Upheal itself, or an embedded fake.

use std::time::Duration;

use upheal_provider_users::{
    Client, ClientBuilder, ProviderUserId, RateLimit,
    fake::{FakeUpheal, SeedUser},
};

use crate::cli_args::ConnectionArgs;

/// A client, plus the fake it talks to when `--fake` was given (kept alive
/// for as long as the client is used).
pub struct Connection {
    pub client: Client,
    /// Kept only so that the fake keeps serving while the client is used.
    _fake: Option<FakeUpheal>,
}

impl Connection {
    /// Builds the client; with `--fake`, first starts a fake seeded with one
    /// active provider per id, so every row has someone to update.
    pub async fn open(
        args: &ConnectionArgs,
        ids: impl IntoIterator<Item = ProviderUserId>,
    ) -> Result<Self, String> {
        if args.redis.is_some() && args.rate_limit == 0 {
            return Err(
                "--redis shares the --rate-limit budget, which 0 turns off; \
                        give a --rate-limit above 0, or leave out --redis"
                    .to_owned(),
            );
        }
        if args.fake {
            let fake = FakeUpheal::start()
                .await
                .map_err(|e| format!("cannot start the fake server: {e}"))?;
            for id in ids {
                let user = seed_for(&id);
                let deactivated = args.fake_deactivated.iter().any(|named| {
                    named
                        .parse::<ProviderUserId>()
                        .is_ok_and(|named| named == id)
                });
                fake.seed(if deactivated {
                    user.deactivated()
                } else {
                    user
                });
            }
            eprintln!(
                "using an embedded fake Upheal server at {}",
                fake.base_url()
            );
            let client = paced(fake.client_builder(), args)
                .build()
                .map_err(|e| e.to_string())?;
            return Ok(Self {
                client,
                _fake: Some(fake),
            });
        }
        let key = args
            .api_key
            .clone()
            .ok_or("set UPHEAL_API_KEY or pass --api-key, or use --fake")?;
        let client = paced(
            Client::builder().api_key(key).base_url(&args.base_url),
            args,
        )
        .build()
        .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            _fake: None,
        })
    }
}

fn paced(builder: ClientBuilder, args: &ConnectionArgs) -> ClientBuilder {
    builder.rate_limit((args.rate_limit > 0).then(|| budget(args)))
}

fn budget(args: &ConnectionArgs) -> RateLimit {
    let budget = RateLimit::new(args.rate_limit, Duration::from_secs(args.rate_window_secs))
        .adaptive(args.adaptive);
    match &args.redis {
        Some(url) => budget.redis(url),
        None => budget,
    }
}

fn seed_for(id: &ProviderUserId) -> SeedUser {
    let user = SeedUser::new("Fake", "Provider", "fake.provider@example.com");
    match (id.as_upheal(), id.as_partner()) {
        (Some(uuid), _) => user.user_id(uuid),
        (None, Some(partner)) => user.partner_user_id(partner),
        (None, None) => user,
    }
}
