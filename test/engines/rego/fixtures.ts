/** Rego fixtures written for polcov's parser tests (not copied from any project). */

export const PRIVILEGED_V0 = `# Disallows privileged containers (test fixture written for polcov).
package k8spspprivileged

import data.lib.exclude_update.is_update

violation[{"msg": msg, "details": {}}] {
    not is_update(input.review)
    c := input_containers[_]
    not is_exempt(c)
    c.securityContext.privileged
    msg := sprintf("Privileged container is not allowed: %v, securityContext: %v", [c.name, c.securityContext])
}

violation[{"msg": msg}] {
    c := input_containers[_]
    host_process := object.get(c, ["securityContext", "windowsOptions", "hostProcess"], false)
    host_process == true
    msg := sprintf("HostProcess container %v is not allowed", [c.name])
}

is_exempt(container) {
    exempt_images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
    img := container.image
    exemption := exempt_images[_]
    _matches_exemption(img, exemption)
}

_matches_exemption(img, exemption) {
    not endswith(exemption, "*")
    exemption == img
}

_matches_exemption(img, exemption) {
    endswith(exemption, "*")
    prefix := trim_suffix(exemption, "*")
    startswith(img, prefix)
}

input_containers[c] {
    c := input.review.object.spec.containers[_]
}

input_containers[c] {
    c := input.review.object.spec.initContainers[_]
}

# ephemeral containers are often forgotten
input_containers[c] {
    c := input.review.object.spec.ephemeralContainers[_]
}
`;

export const PRIVILEGED_V1 = `package k8spspprivileged.v1

import data.lib.exclude_update.is_update

violation contains {"msg": msg, "details": {}} if {
    not is_update(input.review)
    some c in input_containers
    not is_exempt(c)
    c.securityContext.privileged
    msg := sprintf("Privileged container is not allowed: %v", [c.name])
}

is_exempt(container) if {
    exempt_images := object.get(object.get(input, "parameters", {}), "exemptImages", [])
    some exemption in exempt_images
    _matches_exemption(container.image, exemption)
}

_matches_exemption(img, exemption) if {
    not endswith(exemption, "*")
    exemption == img
}

_matches_exemption(img, exemption) if {
    endswith(exemption, "*")
    startswith(img, trim_suffix(exemption, "*"))
}

input_containers contains c if some c in input.review.object.spec.containers
input_containers contains c if some c in input.review.object.spec.initContainers
input_containers contains c if some c in input.review.object.spec.ephemeralContainers

all_named if {
    every c in input_containers {
        c.name != ""
    }
}

names := {c.name | some c in input_containers}
`;

export const EXCLUDE_UPDATE = `package lib.exclude_update

is_update(review) {
    review.operation == "UPDATE"
}
`;
