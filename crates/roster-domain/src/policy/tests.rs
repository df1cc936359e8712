//! Table tests of every decision, option by option and in combination.

use jiff::Timestamp;

use super::*;
use crate::{
    AuthMethod, DeprovisioningMethod, DisplayText, GroupName, GroupPatternList, ProviderId,
    ProvisioningOptions, SiteId, TimeZoneName, TwoFactor, User, UserId, Username,
};

fn names(list: &[&str]) -> Vec<GroupName> {
    list.iter().map(|name| GroupName::parse(name).unwrap()).collect()
}

fn patterns(raw: &str) -> GroupPatternList {
    GroupPatternList::parse(raw).unwrap()
}

fn okta() -> ProviderId {
    ProviderId::from_raw("okta")
}

fn provisioned_user() -> User {
    let mut user = User::new(
        UserId::from_raw("u1"),
        SiteId::from_raw("s1"),
        Username::parse("ann").unwrap(),
        Timestamp::UNIX_EPOCH,
    );
    user.auth_method = AuthMethod::Sso(okta());
    user
}

#[test]
fn users_are_in_scope_by_whitelist() {
    // (only_users_in_groups, the user's groups, in scope)
    let cases: &[(&str, &[&str], bool)] = &[
        ("", &[], true),
        ("", &["Anything"], true),
        ("IT,Support", &[], false),
        ("IT,Support", &["Sales"], false),
        ("IT,Support", &["sales", "support"], true),
        ("IT,Support", &["it"], true),
        ("Domain *", &["Domain Users"], true),
        ("Domain *", &["Domain"], false),
        ("*-staff", &["paris-STAFF"], true),
        ("*", &[], false),
        ("*", &["x"], true),
    ];
    for (list, groups, expected) in cases {
        let mut options = ProvisioningOptions::defaults();
        options.only_users_in_groups = patterns(list);
        assert_eq!(user_in_scope(&options, &names(groups)), *expected, "{list:?} {groups:?}");
    }
}

#[test]
fn groups_are_in_scope_by_whitelist_and_blacklist() {
    // (only_groups, exclude_groups, group, in scope)
    let cases = [
        ("", "", "Sales", true),
        ("Sales,IT", "", "sales", true),
        ("Sales,IT", "", "Marketing", false),
        ("", "Contractors*", "Contractors EU", false),
        ("", "Contractors*", "Staff", true),
        // The blacklist wins over the whitelist.
        ("*", "Secret", "secret", false),
        ("Team *", "Team Red", "Team Blue", true),
        ("Team *", "Team Red", "Team Red", false),
    ];
    for (only, exclude, group, expected) in cases {
        let mut options = ProvisioningOptions::defaults();
        options.only_groups = patterns(only);
        options.exclude_groups = patterns(exclude);
        let name = GroupName::parse(group).unwrap();
        assert_eq!(group_in_scope(&options, &name), expected, "{only:?} {exclude:?} {group:?}");
    }
}

#[test]
fn role_mappings_grant_and_take_back_only_their_own() {
    // (site_admin_groups, groups, held before, granted before) -> (held, granted)
    type Case<'a> = (&'a str, &'a [&'a str], bool, bool, bool, bool);
    let cases: &[Case] = &[
        // Joining a mapped group grants the role, recorded as the mapping's.
        ("Admins", &["admins"], false, false, true, true),
        // Leaving it takes the mapping's grant back.
        ("Admins", &[], true, true, false, false),
        // A role granted by hand is never taken back.
        ("Admins", &[], true, false, true, false),
        ("", &["Admins"], true, false, true, false),
        // ... and stays a hand grant while the user is also in the group.
        ("Admins", &["Admins"], true, false, true, false),
        // Emptying the option takes back what it granted.
        ("", &["Admins"], true, true, false, false),
        // No mapping, no role: nothing happens.
        ("", &[], false, false, false, false),
        // An administrator removed a mapped role by hand: the mapping
        // grants it again at the next evaluation.
        ("Admins", &["Admins"], false, true, true, true),
    ];
    for &(list, groups, held, granted, want_held, want_granted) in cases {
        let mut options = ProvisioningOptions::defaults();
        options.site_admin_groups = patterns(list);
        let mut user = provisioned_user();
        user.roles.site_admin = held;
        user.grants = GrantState { site_admin: granted, ..GrantState::default() };
        let after = evaluate_user(&user, &okta(), &options, &names(groups));
        assert_eq!(
            (after.roles.site_admin, after.grants.site_admin),
            (want_held, want_granted),
            "{list:?} {groups:?} held={held} granted={granted}"
        );
    }
}

#[test]
fn each_mapping_reads_its_own_option() {
    let mut options = ProvisioningOptions::defaults();
    options.site_admin_groups = patterns("Admins");
    options.readonly_site_admin_groups = patterns("Auditors");
    options.password_groups = patterns("Break glass");
    let user = provisioned_user();
    let auditor = evaluate_user(&user, &okta(), &options, &names(&["auditors"]));
    assert!(!auditor.roles.site_admin && auditor.roles.readonly_site_admin);
    assert_eq!(auditor.auth_method, AuthMethod::Sso(okta()));
    assert_eq!(auditor.grants, GrantState { readonly_site_admin: true, ..GrantState::default() });

    // Password groups: password login while a member, the provider's SSO
    // again after leaving.
    let mut glass = evaluate_user(&user, &okta(), &options, &names(&["Break Glass"]));
    assert_eq!(glass.auth_method, AuthMethod::Password);
    assert!(glass.grants.password_login);
    glass.password_hash = Some("$argon2id$...".into());
    let back = evaluate_user(&glass, &okta(), &options, &[]);
    assert_eq!(back.auth_method, AuthMethod::Sso(okta()));
    assert!(!back.grants.password_login);
    assert_eq!(back.password_hash, None, "the old password stops working");

    // A user an administrator put on password login stays on it.
    let mut by_hand = provisioned_user();
    by_hand.auth_method = AuthMethod::Password;
    let kept = evaluate_user(&by_hand, &okta(), &options, &[]);
    assert_eq!(kept.auth_method, AuthMethod::Password);
    assert!(depends_on_memberships(&options));
    assert!(!depends_on_memberships(&ProvisioningOptions::defaults()));
}

#[test]
fn scope_moves_users_between_pending_and_active_but_not_released_ones() {
    let mut options = ProvisioningOptions::defaults();
    options.only_users_in_groups = patterns("IT");
    options.site_admin_groups = patterns("IT");
    let user = provisioned_user();
    // (state before, groups) -> state after
    let cases: &[(ProvisioningState, &[&str], ProvisioningState)] = &[
        (ProvisioningState::Active, &[], ProvisioningState::Pending),
        (ProvisioningState::Pending, &["it"], ProvisioningState::Active),
        (ProvisioningState::Pending, &["Sales"], ProvisioningState::Pending),
        (ProvisioningState::Active, &["IT"], ProvisioningState::Active),
        (ProvisioningState::Released, &["IT"], ProvisioningState::Released),
        (ProvisioningState::Released, &[], ProvisioningState::Released),
    ];
    for &(before, groups, after) in cases {
        let mut user = user.clone();
        user.state = before;
        let evaluated = evaluate_user(&user, &okta(), &options, &names(groups));
        assert_eq!(evaluated.state, after, "{before:?} {groups:?}");
        if before == ProvisioningState::Released {
            assert_eq!(evaluated, user, "a released user is not the source's any more");
        }
    }
    // Without a whitelist, everyone is in scope.
    let mut pending = user.clone();
    pending.state = ProvisioningState::Pending;
    let evaluated = evaluate_user(&pending, &okta(), &ProvisioningOptions::defaults(), &[]);
    assert_eq!(evaluated.state, ProvisioningState::Active);
}

#[test]
fn group_admin_mapping_is_per_group() {
    let mut options = ProvisioningOptions::defaults();
    options.group_admin_groups = patterns("Managers,*-leads");
    // (group, admin before, granted before) -> (admin, granted)
    let cases = [
        ("Managers", false, false, (true, true)),
        ("Paris-Leads", false, false, (true, true)),
        ("Staff", false, false, (false, false)),
        ("Staff", true, true, (false, false)),
        ("Staff", true, false, (true, false)),
        ("managers", true, false, (true, false)),
    ];
    for (group, admin, granted, expected) in cases {
        let name = GroupName::parse(group).unwrap();
        assert_eq!(evaluate_group_admin(&options, &name, admin, granted), expected, "{group}");
    }
}

#[test]
fn deactivation_and_removal_follow_both_options() {
    let cases = [
        (false, DeprovisioningMethod::Disable, Deactivation::Ignore, Removal::Release),
        (false, DeprovisioningMethod::Delete, Deactivation::Ignore, Removal::Release),
        (true, DeprovisioningMethod::Disable, Deactivation::Disable, Removal::DisableAndRelease),
        (true, DeprovisioningMethod::Delete, Deactivation::Delete, Removal::Delete),
    ];
    for (deprovision, method, deactivation, removal) in cases {
        let mut options = ProvisioningOptions::defaults();
        options.deprovision_users = deprovision;
        options.deprovisioning_method = method;
        assert_eq!(on_deactivated(&options), deactivation, "{deprovision} {method:?}");
        assert_eq!(on_removed(&options), removal, "{deprovision} {method:?}");
    }
    // The defaults disable.
    assert_eq!(on_removed(&ProvisioningOptions::defaults()), Removal::DisableAndRelease);
}

#[test]
fn membership_changes_follow_their_options() {
    for (provision, deprovision) in [(true, true), (true, false), (false, true), (false, false)] {
        let mut options = ProvisioningOptions::defaults();
        options.provision_group_memberships = provision;
        options.deprovision_group_memberships = deprovision;
        assert_eq!(member_change_applies(&options, true), provision);
        assert_eq!(member_change_applies(&options, false), deprovision);
    }
}

#[test]
fn the_source_wins_over_company_and_time_zone_defaults() {
    let acme = DisplayText::parse("Acme").unwrap();
    let sent = DisplayText::parse("Sent Co").unwrap();
    let paris = TimeZoneName::parse("Europe/Paris").unwrap();
    let tokyo = TimeZoneName::parse("Asia/Tokyo").unwrap();
    let mut options = ProvisioningOptions::defaults();
    assert_eq!(source_attributes(&options, None, None), (None, None));
    options.provision_company = Some(acme.clone());
    options.default_time_zone = Some(paris.clone());
    assert_eq!(source_attributes(&options, None, None), (Some(acme), Some(paris)));
    assert_eq!(
        source_attributes(&options, Some(sent.clone()), Some(tokyo.clone())),
        (Some(sent), Some(tokyo))
    );
}

#[test]
fn new_users_take_the_provider_defaults() {
    let mut options = ProvisioningOptions::defaults();
    options.two_factor = TwoFactor::Always;
    options.sftp = true;
    options.webdav = true;
    let mut user = provisioned_user();
    provisioned_defaults(&options, &mut user);
    assert_eq!(user.two_factor, TwoFactor::Always);
    assert!(user.permissions.sftp && user.permissions.webdav && !user.permissions.ftp);
    provisioned_defaults(&ProvisioningOptions::defaults(), &mut user);
    assert_eq!(user.two_factor, TwoFactor::SitePolicy);
    assert!(!user.permissions.sftp);
}

#[test]
fn first_login_creates_only_when_allowed() {
    let mut options = ProvisioningOptions::defaults();
    options.default_groups = names(&["Everyone", "New Hires"]);
    assert_eq!(
        first_login(&options, None),
        FirstLogin::Create { default_groups: names(&["Everyone", "New Hires"]) }
    );
    assert_eq!(first_login(&options, Some(&provisioned_user())), FirstLogin::Existing);
    options.provision_users_on_first_login = false;
    assert_eq!(first_login(&options, None), FirstLogin::Refuse);
    assert_eq!(first_login(&options, Some(&provisioned_user())), FirstLogin::Existing);
}

#[test]
fn grants_round_trip_through_their_stored_form() {
    for grants in [
        GrantState::default(),
        GrantState { site_admin: true, ..GrantState::default() },
        GrantState { site_admin: true, readonly_site_admin: true, password_login: true },
        GrantState { password_login: true, ..GrantState::default() },
    ] {
        assert_eq!(GrantState::from_stored(&grants.to_stored()), grants);
    }
    assert!(GrantState::from_stored("future_role,site_admin").site_admin);
    for state in
        [ProvisioningState::Active, ProvisioningState::Pending, ProvisioningState::Released]
    {
        assert_eq!(ProvisioningState::parse(state.as_str()), Ok(state));
    }
    assert!(ProvisioningState::parse("gone").is_err());
}

#[test]
fn a_second_factor_is_required_by_the_user_rule_or_else_the_site_policy() {
    use TwoFactor::{Always, Never, SitePolicy};
    let cases = [
        (Always, Never, true),
        (Always, Always, true),
        (Never, Always, false),
        (Never, Never, false),
        (SitePolicy, Always, true),
        (SitePolicy, Never, false),
        (SitePolicy, SitePolicy, false),
    ];
    for (user, site, required) in cases {
        assert_eq!(user.required(site), required, "{user:?} on a site {site:?}");
    }
}
