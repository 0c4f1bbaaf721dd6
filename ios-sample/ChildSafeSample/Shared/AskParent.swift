// The ask-a-parent rule: every `childsafe://ask` link goes whole to `ChildSafe.askParent(link:)`,
// which accepts it only with a nonce the SDK's own block page carried for that URL, once. A link
// written by any other page is refused there (ChildSafeError.InvalidInput): the app ignores it and
// logs it. The app never calls `requestAccess` with a URL taken from a link, so no page can make
// the phone send device-signed requests for hosts of its choosing.

import Foundation
import ChildSafe
#if canImport(ChildSafeCore)
import ChildSafeCore
#endif

/// What became of one ask link.
enum AskOutcome: Equatable {
    /// The SDK sent the request; its id, to follow the parents' answer.
    case sent(requestId: String)
    /// Not a link the SDK's block page wrote for this page (or it was used already): nothing was
    /// sent, and the child is shown nothing, since the page and not the child followed it.
    case ignored
    /// The SDK's own link, but the request could not leave now; what to tell the child.
    case failed(message: String)

    /// The line the block page's browser shows the child, or nil to show nothing.
    var childMessage: String? {
        switch self {
        case .sent: return "Your parent has been asked. You will see their answer here."
        case .ignored: return nil
        case let .failed(message): return message
        }
    }
}

/// Hands `link` to the SDK (`askParent`) and says what became of it; a refused link is logged
/// through `log`, without the link itself (it holds a URL).
func forwardAskLink(
    _ link: String,
    askParent: (String) async throws -> String,
    log: (String) -> Void
) async -> AskOutcome {
    do {
        return .sent(requestId: try await askParent(link))
    } catch ChildSafeError.InvalidInput {
        log("ask-a-parent link ignored: the phone's block page did not write it, or it was used")
        return .ignored
    } catch ChildSafeError.NotReady {
        return .failed(message: "This phone is not set up to ask a parent yet.")
    } catch ChildSafeError.Network {
        return .failed(message: "No connection. Try again when the phone is online.")
    } catch {
        return .failed(message: "Your parent could not be asked (\(error)).")
    }
}
