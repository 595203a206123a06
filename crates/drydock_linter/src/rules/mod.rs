//! All rules. Each lives in its own file; adding one means adding its `mod` line and its entry in
//! [`ALL`] (a registry test checks that every file is listed).

use crate::rule::Rule;

pub(crate) mod dockerfile;
pub(crate) mod engine;

/// Every rule, sorted by primary code.
pub(crate) static ALL: &[&dyn Rule] = &[
    &engine::syntax_error::SyntaxError,
    &dockerfile::root_user_last::RootUserLast,
    &dockerfile::sudo_in_run::SudoInRun,
    &dockerfile::missing_user::MissingUser,
    &dockerfile::ssh_server::SshServer,
    &dockerfile::add_remote_without_checksum::AddRemoteWithoutChecksum,
    &dockerfile::tls_verification_disabled::TlsVerificationDisabled,
    &dockerfile::package_signature_bypass::PackageSignatureBypass,
    &dockerfile::pipe_to_shell::PipeToShell,
    &dockerfile::content_trust_disabled::ContentTrustDisabled,
    &dockerfile::docker_client_insecure::DockerClientInsecure,
    &dockerfile::secret_material::SecretMaterial,
    &dockerfile::password_set_in_build::PasswordSetInBuild,
    &dockerfile::setuid_added::SetuidAdded,
    &dockerfile::world_writable_sensitive::WorldWritableSensitive,
    &dockerfile::docker_socket_volume::DockerSocketVolume,
    &dockerfile::update_alone::UpdateAlone,
    &dockerfile::workdir_in_system_dir::WorkdirInSystemDir,
    &engine::unused_suppression::UnusedSuppression,
    &engine::invalid_suppression::InvalidSuppression,
    &engine::file_too_large::FileTooLarge,
    &engine::binary_file::BinaryFile,
];
