// Commands that produce and check configuration: render, validate, apply.
#include "commands.hpp"
#include "common.hpp"

#include "xcatdhcp/apply/apply.hpp"
#include "xcatdhcp/apply/setup.hpp"
#include "xcatdhcp/apply/validate.hpp"

#include <filesystem>
#include <fstream>
#include <ostream>

namespace xcatdhcp::cli {

int cmd_render(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    auto options = with(inventory_options, {"-o", "--output"});
    options.insert(render_options.begin(), render_options.end());
    auto flags = inventory_flags;
    flags.insert(render_flags.begin(), render_flags.end());
    Args args(argv, options, flags);
    std::string dir = args.value("--output", "-o");
    if (dir.empty()) throw Error("missing -o DIR", "option", "-o");
    auto rendered = render_inventory(args, err);
    write_files(dir, rendered.files, out);
    return 0;
}

int cmd_validate(const std::vector<std::string>& argv, std::ostream& out, std::ostream&) {
    Args args(argv, {"--backend", "-b", "--chroot"}, {});
    if (args.positionals().size() != 1) throw Error("expects one directory", "validate", "");
    auto backend = parse_backend(args.value("--backend", "-b"));
    apply::ValidateOptions options;
    options.chroot = args.value("--chroot");
    apply::SystemRunner runner;
    auto report = apply::validate_directory(backend, args.positionals()[0], runner, options);
    for (const auto& note : report.notes) out << "note: " << note << "\n";
    for (const auto& f : report.files) {
        out << (f.ok ? "ok     " : "FAILED ") << f.file << "  (";
        for (std::size_t i = 0; i < f.command.size(); ++i) out << (i ? " " : "") << f.command[i];
        out << ")\n";
        if (!f.ok) out << f.output << (f.output.empty() || f.output.back() == '\n' ? "" : "\n");
    }
    out << (report.ok ? "valid\n" : "INVALID\n");
    return report.ok ? 0 : 1;
}

namespace {

render::Files read_directory(const std::string& dir) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) throw Error("not a directory", "--files", dir);
    render::Files files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path().string());
    return files;
}

}  // namespace

int cmd_apply(const Argv& argv, std::ostream& out, std::ostream& err) {
    auto options = with(inventory_options, {"--files", "--root", "--services", "--netns", "--keep-backups", "--chroot"});
    options.insert(render_options.begin(), render_options.end());
    auto flags = inventory_flags;
    flags.insert(render_flags.begin(), render_flags.end());
    Args args(argv, options, flags);

    Backend backend;
    render::Files files;
    if (std::string dir = args.value("--files"); !dir.empty()) {
        backend = parse_backend(args.value("--backend", "-b"));
        files = read_directory(dir);
    } else {
        auto rendered = render_inventory(args, err);
        backend = rendered.backend;
        files = std::move(rendered.files);
    }
    apply::SetupOptions setup_options;
    setup_options.root = args.value("--root", "", "/");
    if (auto keep = args.value("--keep-backups"); !keep.empty()) setup_options.keep_backups = std::stoi(keep);
    setup_options.services = apply::parse_service_mode(args.value("--services", "", "auto"), "--services");
    setup_options.netns = args.value("--netns");
    setup_options.chroot = args.value("--chroot");
    auto setup = apply::prepare(backend, files, setup_options);
    apply::SystemRunner runner;
    auto result = apply::apply(files, setup.plan, runner, *setup.services);
    for (const auto& step : result.steps) out << step << "\n";
    out << (result.changed ? "applied\n" : "unchanged\n");
    return 0;
}

}  // namespace xcatdhcp::cli
