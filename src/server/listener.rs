//! The server's listener: accepts only connections from its own user
//! (peer credentials), on top of the socket's 0600 mode and the 0700 directory.

use std::io;

use tokio::net::{UnixListener, UnixStream};

pub struct OwnerOnly {
    listener: UnixListener,
    uid: u32,
}

impl OwnerOnly {
    pub fn new(listener: UnixListener) -> Self {
        Self {
            listener,
            uid: nix::unistd::getuid().as_raw(),
        }
    }
}

impl axum::serve::Listener for OwnerOnly {
    type Io = UnixStream;
    type Addr = tokio::net::unix::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, addr)) => match stream.peer_cred() {
                    Ok(cred) if cred.uid() == self.uid => return (stream, addr),
                    // Another user: closed without a word.
                    _ => drop(stream),
                },
                // Out of file descriptors and the like: back off, go on.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}
