internal import CNcursesw
import Foundation
import Inspector

/// The only ncurses user: draws a `ScreenBuffer` (diffed against the last
/// one), reads keys, follows resizes. Create it on the thread that will use it.
public final class TerminalScreen {
    private var previous: ScreenBuffer?
    private let colors: Bool
    private var pairs: [Role: (attr_t, Int16)] = [:]
    public private(set) var width: Int
    public private(set) var height: Int
    /// Whether the locale's codeset is UTF-8; when it is not, the renderer
    /// must use ASCII glyphs (ncurses draws other characters as blanks).
    public let unicode: Bool

    /// Enters curses mode. `NO_COLOR` (any value) turns colours off.
    /// A fatal signal (SIGSEGV, SIGILL, SIGBUS, SIGABRT, SIGFPE, SIGTERM,
    /// SIGHUP) gives the terminal back before the process dies.
    public init() {
        _ = cnc_setlocale_all()  // before initscr, or wide characters come out blank
        unicode = cnc_locale_is_utf8() != 0
        _ = cnc_save_terminal()
        initscr()
        cnc_install_fatal_handlers()
        raw()  // Ctrl-C arrives as a key: the loop quits and restores the terminal
        noecho()
        nonl()
        keypad(cnc_stdscr(), true)
        meta(cnc_stdscr(), true)
        set_escdelay(25)
        curs_set(0)
        cnc_enable_wheel()
        colors = ProcessInfo.processInfo.environment["NO_COLOR"] == nil && has_colors()
        if colors {
            start_color()
            use_default_colors()
        }
        var y: Int32 = 0
        var x: Int32 = 0
        cnc_getmaxyx(cnc_stdscr(), &y, &x)
        height = Int(y)
        width = Int(x)
        setUpRoles()
    }

    /// Leaves curses mode and restores the terminal.
    public func end() {
        curs_set(1)
        endwin()
        cnc_set_curses_active(0)
    }

    /// Ctrl-Z: leaves curses mode, stops like less does (the shell gets its
    /// prompt back), and on `fg` re-enters curses mode; the caller redraws.
    public func suspend() {
        curs_set(1)
        endwin()
        cnc_set_curses_active(0)
        cnc_stop_self()
        // Resumed: back to curses mode, and repaint every cell (the shell
        // drew over the screen that ncurses thinks is there).
        refresh()
        cnc_set_curses_active(1)
        curs_set(0)
        clearok(cnc_stdscr(), true)
        refreshSize()
    }

    /// Draws `buffer`, touching only the cells that changed since the last frame.
    public func draw(_ buffer: ScreenBuffer) {
        let full = previous == nil || previous!.width != buffer.width || previous!.height != buffer.height
        if full { erase() }
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                let c = buffer[x, y]
                if !full, let p = previous, p[x, y] == c { continue }
                let (attr, pair) = pairs[c.role] ?? (cnc_A_NORMAL(), 0)
                var scalar = c.char.unicodeScalars.first.map { wchar_t(bitPattern: $0.value) } ?? 32
                if !unicode && scalar > 0x7e { scalar = 0x3f }  // the renderer's ASCII glyphs missed one: '?'
                if scalar < 0x20 { scalar = 0x3f }
                _ = cnc_put_cell(cnc_stdscr(), Int32(y), Int32(x), scalar, attr, pair)
            }
        }
        previous = buffer
        refresh()
    }

    /// Forces the next draw to repaint everything (after a resize).
    public func invalidate() { previous = nil }

    /// Waits up to `timeoutMilliseconds` for input on the terminal or on
    /// `wakeFD` (a pipe other threads write to); returns every key typed so
    /// far (ncurses may hold several in its own buffer), possibly none.
    public func readKeys(timeoutMilliseconds: Int32, wakeFD: Int32) -> [Key] {
        var keys: [Key] = []
        timeout(0)
        drain(into: &keys)
        if !keys.isEmpty { return keys }
        var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeoutMilliseconds)
        if fds[1].revents & Int16(POLLIN) != 0 {
            var sink = [UInt8](repeating: 0, count: 256)
            _ = read(wakeFD, &sink, sink.count)
        }
        if fds[0].revents & Int16(POLLIN) != 0 { drain(into: &keys) }
        // A closed terminal (tmux killed, ssh dropped) reports POLLHUP for
        // ever: without this the loop would spin instead of quitting.
        if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && keys.isEmpty { keys.append(.hangup) }
        return keys
    }

    private func drain(into keys: inout [Key]) {
        var ch: wint_t = 0
        while true {
            let rc = get_wch(&ch)
            if rc == cnc_ERR() { return }
            if let k = translate(rc: rc, ch: Int32(bitPattern: ch)) { keys.append(k) }
        }
    }

    /// Asks the terminal for its size (after KEY_RESIZE).
    public func refreshSize() {
        var y: Int32 = 0
        var x: Int32 = 0
        cnc_getmaxyx(cnc_stdscr(), &y, &x)
        height = Int(y)
        width = Int(x)
        invalidate()
    }

    public static let resizeKeyMarker = Key.function(99)

    private func translate(rc: Int32, ch: Int32) -> Key? {
        if rc == KEY_CODE_YES {
            switch ch {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_NPAGE: return .pageDown
            case KEY_PPAGE: return .pageUp
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_BTAB: return .backTab
            case KEY_ENTER: return .enter
            case cnc_KEY_RESIZE(): return Self.resizeKeyMarker
            case cnc_KEY_MOUSE():
                var x: Int32 = 0
                var y: Int32 = 0
                switch cnc_mouse_event(&x, &y) {
                case -1: return .wheel(-1)
                case 1: return .wheel(1)
                case 2: return .click(x: Int(x), y: Int(y))
                default: return nil
                }
            default:
                for n in 1...12 where ch == cnc_KEY_F(Int32(n)) { return .function(n) }
                return nil
            }
        }
        switch ch {
        case 27: return .escape
        case 9: return .tab
        case 10, 13: return .enter
        case 127, 8: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(ch) + 96)))
        default:
            guard let s = Unicode.Scalar(UInt32(bitPattern: ch)) else { return nil }
            return .char(Character(s))
        }
    }

    private func setUpRoles() {
        let bold = cnc_A_BOLD()
        let rev = cnc_A_REVERSE()
        let dim = cnc_A_DIM()
        let none = cnc_A_NORMAL()
        // (role, attributes, foreground, background); -1 is the terminal's default.
        let table: [(Role, attr_t, Int16, Int16)] = [
            (.normal, none, -1, -1), (.dim, dim, -1, -1),
            (.offset, none, Int16(COLOR_BLUE), -1), (.offsetSector, bold, Int16(COLOR_BLUE), -1),
            (.separator, dim, -1, -1),
            (.byteNull, dim, -1, -1), (.bytePrintable, none, Int16(COLOR_CYAN), -1),
            (.byteWhitespace, none, Int16(COLOR_GREEN), -1), (.byteOtherASCII, none, Int16(COLOR_GREEN), -1),
            (.byteNonASCII, none, Int16(COLOR_YELLOW), -1),
            (.placeholder, dim, -1, -1), (.unreadable, bold, Int16(COLOR_RED), -1),
            (.cursor, rev | bold, -1, -1), (.cursorMirror, rev, -1, -1),
            (.match, bold, Int16(COLOR_BLACK), Int16(COLOR_YELLOW)),
            (.staged, bold, Int16(COLOR_BLACK), Int16(COLOR_MAGENTA)),
            (.region, none, -1, Int16(COLOR_BLUE)),
            (.fileRun, none, Int16(COLOR_BLACK), Int16(COLOR_GREEN)),
            (.statusBar, rev, -1, -1), (.statusAccent, rev | bold, -1, -1),
            (.keyBar, none, -1, -1), (.keyBarKey, rev, -1, -1),
            (.panelBorder, dim, -1, -1), (.panelTitle, bold, -1, -1), (.panelFocused, bold, Int16(COLOR_CYAN), -1),
            (.good, none, Int16(COLOR_GREEN), -1), (.warning, bold, Int16(COLOR_YELLOW), -1),
            (.error, bold, Int16(COLOR_RED), -1), (.prompt, bold, -1, -1),
        ]
        for (i, (role, attr, fg, bg)) in table.enumerated() {
            if colors && (fg >= 0 || bg >= 0) {
                let pair = Int16(i + 1)
                init_pair(pair, fg, bg)
                pairs[role] = (attr, pair)
            } else if colors {
                pairs[role] = (attr, 0)
            } else {
                // NO_COLOR: attributes carry the meaning (no colour pairs).
                let plain: attr_t
                switch role {
                case .unreadable, .match, .staged, .error, .warning: plain = bold | rev
                default: plain = attr
                }
                pairs[role] = (plain, 0)
            }
        }
    }
}
