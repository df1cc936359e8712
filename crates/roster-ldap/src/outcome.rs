//! LDAP result codes (RFC 4511 §4.1.9) in the words an administrator
//! reads in a sync's outcome, and which of them mean "try the backup".

use ldap3::LdapResult;

/// `resultCode (diagnosticMessage)`, e.g. `invalidCredentials (49):
/// 80090308: LdapErr: ...`. The directory's message is kept: Active
/// Directory puts the real reason there (`data 52e`: a bad password,
/// `data 775`: a locked account).
pub(crate) fn describe(result: &LdapResult) -> String {
    let name = name(result.rc);
    let text = result.text.trim();
    if text.is_empty() {
        format!("{name} ({})", result.rc)
    } else {
        format!("{name} ({}): {text}", result.rc)
    }
}

/// RFC 4511 §4.1.9: `busy` and `unavailable` say that this server cannot
/// serve now, not that the credentials are wrong, so another may.
pub(crate) fn server_unavailable(rc: u32) -> bool {
    matches!(rc, 51 | 52)
}

fn name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        // ldap3's own code for a search it stopped reading.
        88 => "userCanceled",
        _ => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult { rc, matched: String::new(), text: text.into(), refs: vec![], ctrls: vec![] }
    }

    #[test]
    fn results_read_as_words() {
        assert_eq!(describe(&result(49, "")), "invalidCredentials (49)");
        assert_eq!(
            describe(&result(49, " 80090308: LdapErr: data 52e ")),
            "invalidCredentials (49): 80090308: LdapErr: data 52e"
        );
        assert_eq!(describe(&result(4242, "x")), "error (4242): x");
        assert!(server_unavailable(52));
        assert!(!server_unavailable(49));
    }
}
