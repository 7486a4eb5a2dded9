# Sourced by the A/B scripts that run each build's pazhoud on one registry (ab_udp.sh,
# ab_register.sh): ab_node_setup PORT makes a work directory ($work, removed on exit with any
# node still running) holding pazhou.conf for one worker on 127.0.0.1:PORT, and moves there, so
# that no tool of either build reads the tree's conf/pazhou.conf.
ab_node_setup() {
    work=$(mktemp -d /var/tmp/pazhou-ab.XXXXXX)
    trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
    cat > "$work/pazhou.conf" <<EOC
data_dir = "$work/registry";
import_dir = "";
threads = 1;
listen = [ "127.0.0.1:$1" ];
log_level = "warn";
site = { key_file = "$work/server_key.pem"; };
EOC
    cd "$work"
}
