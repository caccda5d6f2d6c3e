import AgentCore
import Testing
@testable import Console

/// Browser calls on the transcript screen: the action and its target, and the page by title and URL.
@Suite struct BrowserEntriesTests {
    @Test func aCallIsItsActionAndTarget() {
        #expect(BrowserEntries.call("browser_type", #"{"ref":"e3","text":"Ada","submit":true}"#) == #"browser_type e3 "Ada" ⏎"#)
        #expect(BrowserEntries.call("browser_navigate", #"{"url":"site/index.html"}"#) == "browser_navigate site/index.html")
        #expect(BrowserEntries.call("browser_take_screenshot", #"{"filename":"a.png","fullPage":true}"#) == "browser_take_screenshot a.png (full page)")
        #expect(BrowserEntries.call("browser_click", "{not json") == "browser_click {not json")
    }

    @Test func aResultNamesItsPageOnOneLine() {
        let text = "Page URL: file:///workspace/a.html\nPage Title: Greeter\nPage Snapshot:\n- heading \"Hi\" [ref=e1]"
        #expect(BrowserEntries.result(text) == "Greeter · file:///workspace/a.html\n- heading \"Hi\" [ref=e1]")
        #expect(BrowserEntries.result("Saved the screenshot to a.png (10 bytes, 2x2 pixels).") == "Saved the screenshot to a.png (10 bytes, 2x2 pixels).")
    }
}
