//! The attribute definitions of the User, Group and enterprise User schemas
//! (RFC 7643 §4 and §8.7), and of the common attributes (§3.1).

use super::{AttrType, Attribute, Mutability, ResourceType, Returned, Schema, Uniqueness};

const fn text(name: &'static str, description: &'static str) -> Attribute {
    Attribute::string(name, description)
}

const READ_ONLY: Mutability = Mutability::ReadOnly;

/// `type`, `primary`, `display` and `value` of the usual multi-valued
/// attributes (emails, phone numbers, ...), with the given canonical types.
macro_rules! multi_valued {
    ($value_description:expr, $types:expr) => {
        &[
            text("value", $value_description),
            text("display", "A human-readable name, primarily used for display purposes.")
                .mutability(READ_ONLY),
            text("type", "A label indicating the attribute's function.").canonical($types),
            text("primary", "Whether this is the preferred value of the attribute.")
                .of_type(AttrType::Boolean),
        ]
    };
}

/// `id`, `externalId` and `meta`, which every resource has (RFC 7643 §3.1).
pub static COMMON: &[Attribute] = &[
    text("id", "Unique identifier for the resource, assigned by the service provider.")
        .case_exact()
        .mutability(READ_ONLY)
        .returned(Returned::Always)
        .unique(Uniqueness::Server),
    text("externalId", "An identifier for the resource as defined by the provisioning client.")
        .case_exact(),
    text("meta", "Resource metadata.").mutability(READ_ONLY).complex(&[
        text("resourceType", "The name of the resource type.").case_exact().mutability(READ_ONLY),
        text("created", "When the resource was added.")
            .of_type(AttrType::DateTime)
            .mutability(READ_ONLY),
        text("lastModified", "When the resource was last changed.")
            .of_type(AttrType::DateTime)
            .mutability(READ_ONLY),
        text("location", "The URI of the resource.").references(&["uri"]).mutability(READ_ONLY),
        text("version", "The version (entity tag) of the resource.")
            .case_exact()
            .mutability(READ_ONLY),
    ]),
];

pub static USER: Schema = Schema {
    id: "urn:ietf:params:scim:schemas:core:2.0:User",
    name: "User",
    description: "User Account",
    attributes: &[
        text("userName", "Unique identifier for the User, used to sign in.")
            .required()
            .unique(Uniqueness::Server),
        text("name", "The components of the user's real name.").complex(&[
            text("formatted", "The full name, formatted for display."),
            text("familyName", "The family name, or last name."),
            text("givenName", "The given name, or first name."),
            text("middleName", "The middle name(s)."),
            text("honorificPrefix", "The honorific prefix(es), or title."),
            text("honorificSuffix", "The honorific suffix(es)."),
        ]),
        text("displayName", "The name of the User, suitable for display to end-users."),
        text("nickName", "The casual way to address the user."),
        text("profileUrl", "A URI of the User's online profile.").references(&["external"]),
        text("title", "The user's title, such as \"Vice President\"."),
        text("userType", "The relationship between the organization and the user."),
        text("preferredLanguage", "The User's preferred written or spoken language."),
        text("locale", "The User's default location, for localizing items."),
        text("timezone", "The User's time zone in IANA format, e.g. \"America/Los_Angeles\"."),
        text("active", "The User's administrative status.").of_type(AttrType::Boolean),
        text("password", "The User's cleartext password, never returned.")
            .mutability(Mutability::WriteOnly)
            .returned(Returned::Never),
        text("emails", "Email addresses for the user.")
            .multi()
            .complex(multi_valued!("Email address for the User.", &["work", "home", "other"])),
        text("phoneNumbers", "Phone numbers for the User.").multi().complex(multi_valued!(
            "Phone number of the User.",
            &["work", "home", "mobile", "fax", "pager", "other"]
        )),
        text("ims", "Instant messaging addresses for the User.").multi().complex(multi_valued!(
            "Instant messaging address for the User.",
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
        )),
        text("photos", "URLs of photos of the User.")
            .multi()
            .complex(multi_valued!("URL of a photo of the User.", &["photo", "thumbnail"])),
        text("addresses", "A physical mailing address for this User.").multi().complex(&[
            text("formatted", "The full mailing address, formatted for display."),
            text("streetAddress", "The full street address component."),
            text("locality", "The city or locality component."),
            text("region", "The state or region component."),
            text("postalCode", "The zip code or postal code component."),
            text("country", "The country name component."),
            text("type", "A label indicating the attribute's function.")
                .canonical(&["work", "home", "other"]),
            text("primary", "Whether this is the preferred mailing address.")
                .of_type(AttrType::Boolean),
        ]),
        text("groups", "The groups the user belongs to, directly or indirectly.")
            .multi()
            .mutability(READ_ONLY)
            .complex(&[
                text("value", "The identifier of the User's group.").mutability(READ_ONLY),
                text("$ref", "The URI of the corresponding Group resource.")
                    .references(&["Group"])
                    .mutability(READ_ONLY),
                text("display", "A human-readable name of the group.").mutability(READ_ONLY),
                text("type", "Whether membership is direct or indirect.")
                    .canonical(&["direct", "indirect"])
                    .mutability(READ_ONLY),
            ]),
        text("entitlements", "A list of entitlements for the User.")
            .multi()
            .complex(multi_valued!("The value of an entitlement.", &[])),
        text("roles", "A list of roles for the User.")
            .multi()
            .complex(multi_valued!("The value of a role.", &[])),
        text("x509Certificates", "A list of certificates issued to the User.")
            .multi()
            .complex(multi_valued!("The value of an X.509 certificate.", &[])),
    ],
};

pub static ENTERPRISE_USER: Schema = Schema {
    id: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        text("employeeNumber", "A string identifier assigned by the organization."),
        text("costCenter", "Identifies the name of a cost center."),
        text("organization", "Identifies the name of an organization: the user's company."),
        text("division", "Identifies the name of a division."),
        text("department", "Identifies the name of a department."),
        text("manager", "The User's manager.").complex(&[
            text("value", "The id of the SCIM resource representing the User's manager."),
            text("$ref", "The URI of the SCIM resource representing the User's manager.")
                .references(&["User"]),
            text("displayName", "The displayName of the User's manager.").mutability(READ_ONLY),
        ]),
    ],
};

pub static GROUP: Schema = Schema {
    id: "urn:ietf:params:scim:schemas:core:2.0:Group",
    name: "Group",
    description: "Group",
    attributes: &[
        text("displayName", "A human-readable name for the Group.")
            .required()
            .unique(Uniqueness::Server),
        text("members", "A list of members of the Group.").multi().complex(&[
            text("value", "Identifier of the member of this Group.")
                .case_exact()
                .mutability(Mutability::Immutable),
            text("$ref", "The URI of the member resource.")
                .references(&["User", "Group"])
                .mutability(Mutability::Immutable),
            // Returned on request only: a member comes back as the client
            // wrote it (value, $ref, type), without a name it did not send
            // (issue 16 §2); `attributes=members.display` asks for it.
            text("display", "A human-readable name of the member.")
                .mutability(READ_ONLY)
                .returned(Returned::Request),
            text("type", "The type of the member.")
                .canonical(&["User", "Group"])
                .mutability(Mutability::Immutable),
        ]),
    ],
};

pub static USER_RESOURCE: ResourceType = ResourceType {
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER,
    extensions: &[(&ENTERPRISE_USER, false)],
};

pub static GROUP_RESOURCE: ResourceType = ResourceType {
    id: "Group",
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: &GROUP,
    extensions: &[],
};
