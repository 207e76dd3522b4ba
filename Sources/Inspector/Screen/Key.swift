/// A key or terminal event, independent of ncurses.
public enum Key: Equatable, Sendable {
    case char(Character)
    case ctrl(Character)       // Ctrl-F is .ctrl("f")
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, delete
    case function(Int)         // F1…F12
    case wheel(Int)            // mouse wheel: -1 up, +1 down
    case click(x: Int, y: Int) // left mouse button, screen cell
    case hangup                // the terminal went away (POLLHUP): quit
}
