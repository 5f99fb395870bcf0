// @generated shape of the migrations (diesel print-schema).

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamptz,
    }
}
