mod common;

#[test]
fn ping_set_get() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let pong: String = redis::cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let v: String = redis::cmd("GET").arg("k").query(&mut c).unwrap();
    assert_eq!(v, "v");
    common::assert_err(redis::cmd("GET").query::<String>(&mut c), "ERR wrong number of arguments for 'get' command");
}
