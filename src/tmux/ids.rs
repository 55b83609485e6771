//! tmux's ids: `$1` a session, `@2` a window, `%3` a pane. They print with
//! their sigil, so a command names exactly what it means (never a name, which
//! tmux could read as a pattern).

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $sigil:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// Reads `$sigil` followed by digits.
            pub fn parse(s: &[u8]) -> Option<Self> {
                let digits = s.strip_prefix(&[$sigil])?;
                std::str::from_utf8(digits).ok()?.parse().ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{}{}", $sigil as char, self.0)
            }
        }
    };
}

id_type!(
    /// `$1`
    SessionId,
    b'$'
);
id_type!(
    /// `@2`
    WindowId,
    b'@'
);
id_type!(
    /// `%3`
    PaneId,
    b'%'
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_and_print_with_their_sigil() {
        assert_eq!(PaneId::parse(b"%12"), Some(PaneId(12)));
        assert_eq!(
            WindowId::parse(b"@3").map(|w| w.to_string()),
            Some("@3".into())
        );
        assert_eq!(SessionId(0).to_string(), "$0");
        assert_eq!(PaneId::parse(b"@12"), None);
        assert_eq!(PaneId::parse(b"%"), None);
        assert_eq!(PaneId::parse(b"%1x"), None);
    }
}
